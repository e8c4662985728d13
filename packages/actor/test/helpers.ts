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

/** Resolves after `ms`: for behaviours that simulate slow work. Tests wait on conditions (testkit's eventually). */
export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Lets queued actor work run (microtasks and one macrotask turn). */
export function flush(): Promise<void> {
  return new Promise((r) => setImmediate(r));
}
