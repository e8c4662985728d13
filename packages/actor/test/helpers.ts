import { ActorSystem, type ActorSystemOptions, silentLogger } from "@tsakt/actor";
import { afterEach } from "vitest";

const started: ActorSystem[] = [];

/** Starts a silent system that is stopped after the current test. */
export async function startSystem(options: ActorSystemOptions = {}): Promise<ActorSystem> {
  const system = await ActorSystem.start({ name: "test", logger: silentLogger, ...options });
  started.push(system);
  return system;
}

afterEach(async () => {
  await Promise.all(started.splice(0).map((s) => s.stop()));
});

/** Polls `check` until it returns true, failing after `timeoutMs`. */
export async function eventually(check: () => boolean, timeoutMs = 5000, what = "condition"): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** Resolves after `ms`. */
export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Lets queued actor work run (microtasks and one macrotask turn). */
export function flush(): Promise<void> {
  return new Promise((r) => setImmediate(r));
}
