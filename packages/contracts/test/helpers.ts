import { ActorSystem, type Deadletter, DeadletterSchema, isTsaktError, type Plugin, silentLogger } from "@tsakt/actor";
import { afterEach, expect } from "vitest";
import type { Count } from "./gen/contracts/test/v1/fixture_pb.js";
import type { CounterHandlers } from "./gen/contracts/test/v1/fixture_tsakt.js";

const started: ActorSystem[] = [];

/** Starts a silent system with `plugins`; it is stopped after the current test. */
export async function start(plugins: Plugin[] = []): Promise<ActorSystem> {
  const system = await ActorSystem.start({ name: "contracts-test", logger: silentLogger, plugins });
  started.push(system);
  return system;
}

afterEach(async () => {
  await Promise.all(started.splice(0).map((s) => s.stop()));
});

/** Collects the dead letters of `system`. */
export function deadLetters(system: ActorSystem): Deadletter[] {
  const letters: Deadletter[] = [];
  system.eventStream.subscribe(DeadletterSchema, (letter) => void letters.push(letter));
  return letters;
}

/** A promise with its resolve exposed. */
export function latch(): { promise: Promise<void>; release(): void } {
  let release!: () => void;
  const promise = new Promise<void>((resolve) => (release = resolve));
  return { promise, release };
}

/** Awaits `promise`, expecting a rejection; returns the error. */
export async function rejection(promise: Promise<unknown>): Promise<Error> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error, "expected a rejection").toBeInstanceOf(Error);
  return error as Error;
}

/** Awaits `promise`, expecting a rejection with a TsaktError of `code`; returns the error. */
export async function tsaktRejection(promise: Promise<unknown>, code: string): Promise<Error> {
  const error = await rejection(promise);
  expect(isTsaktError(error, code), `expected code ${code}, got ${String(error)}`).toBe(true);
  return error;
}

/** Counter handlers over one number, recording calls; works for grains and actors alike. */
export class CounterState implements CounterHandlers<unknown> {
  value = 0n;
  readonly calls: string[] = [];

  add(request: { by: bigint }): { value: bigint } {
    this.calls.push(`add ${request.by}`);
    this.value += request.by;
    return { value: this.value };
  }

  async get(): Promise<{ value: bigint }> {
    this.calls.push("get");
    await Promise.resolve();
    return { value: this.value };
  }

  bump(): void {
    this.calls.push("bump");
    this.value++;
  }

  fail(request: { message: string; async: boolean }): Count | Promise<Count> {
    this.calls.push(`fail ${request.message}`);
    if (request.async) return Promise.reject(new Error(request.message));
    throw new Error(request.message);
  }

  async flush(): Promise<void> {
    this.calls.push("flush");
    await new Promise((resolve) => setTimeout(resolve, 1));
    this.calls.push("flushed");
  }
}
