import { ActorSystem, type ActorSystemOptions, InvalidOptionError, isTsaktError, silentLogger } from "@tsakt/actor";
import { type Grain, type GrainIdentity, type GrainKindDefinition, type GrainsOptions, grains } from "@tsakt/grains";
import { afterEach, expect } from "vitest";

const started: ActorSystem[] = [];

/** Starts a silent system with the grains plugin; it is stopped after the current test. */
export async function startGrains(options: GrainsOptions = {}, systemOptions: ActorSystemOptions = {}): Promise<ActorSystem> {
  const system = await ActorSystem.start({ name: "grains-test", logger: silentLogger, ...systemOptions, plugins: [grains(options)] });
  started.push(system);
  return system;
}

afterEach(async () => {
  await Promise.all(started.splice(0).map((s) => s.stop()));
});

/** Lets queued actor work run (microtasks and one macrotask turn; setImmediate stays real under our fake timers). */
export function flush(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** A promise with its resolve and reject exposed. */
export interface Deferred<T> {
  promise: Promise<T>;
  resolve(value: T): void;
  reject(error: unknown): void;
}

/** Makes a Deferred. */
export function deferred<T = void>(): Deferred<T> {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** What happened to counter grains, in order: "activate <id>", "deactivate <id>". */
export type Lifecycle = string[];

/** A kind of counter grains: "inc" adds one, "get" answers the count, "list" answers every message seen. */
export function counterKind(lifecycle: Lifecycle, options: Omit<GrainKindDefinition, "factory"> = {}): GrainKindDefinition {
  return {
    ...options,
    factory: (identity: GrainIdentity): Grain => {
      let count = 0;
      const seen: unknown[] = [];
      return {
        onActivate: () => void lifecycle.push(`activate ${identity.id}`),
        onReceive: (ctx) => {
          if (ctx.message === "inc") count++;
          else if (ctx.message === "get") ctx.respond(count);
          else if (ctx.message === "list") ctx.respond(seen);
          else seen.push(ctx.message);
        },
        onDeactivate: () => void lifecycle.push(`deactivate ${identity.id}`),
      };
    },
  };
}

/** Awaits `promise`, expecting it to reject with a TsaktError of `code`; returns the error. */
export async function rejection<E = Error>(promise: Promise<unknown>, code: string): Promise<E> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(isTsaktError(error, code), `expected a rejection with code ${code}, got ${String(error)}`).toBe(true);
  return error as E;
}

/** The field an InvalidOptionError thrown by `fn` names. */
export function fieldRejected(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    if (error instanceof InvalidOptionError) return error.field;
    throw error;
  }
  throw new Error("expected an InvalidOptionError, but nothing was thrown");
}
