import { type Actor, ActorSystem, type ActorSystemOptions, type PID, type ReceiveContext, silentLogger } from "@tsakt/actor";
import { eventually, type TestClock } from "@tsakt/testkit";
import { afterEach, expect } from "vitest";

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

/** What `counting` actors throw on "boom". */
export class Boom extends Error {}

/** An actor factory whose actors count the numbers they handled, answer "count" with it and throw Boom on "boom". */
export function counting(created: { n: number }): () => Actor {
  return () => {
    created.n++;
    let handled = 0;
    return {
      receive(ctx: ReceiveContext) {
        if (ctx.message === "boom") throw new Boom("boom");
        if (ctx.message === "count") ctx.respond(handled);
        else if (typeof ctx.message === "number") handled++;
      },
    };
  };
}

/** Makes `pid` fail with "boom" and checks that its backoff restart (counted in `restartedAt`) comes `delayMs` later. */
export async function failAndAwaitRestart(pid: PID, clock: TestClock, restartedAt: readonly number[], delayMs: number): Promise<void> {
  const before = restartedAt.length;
  pid.tell("boom");
  await eventually("the backoff timer", () => clock.pending === 1);
  await clock.advance(delayMs - 1);
  expect(restartedAt.length).toBe(before);
  await clock.advance(1);
  await eventually("the restart", () => restartedAt.length === before + 1);
}
