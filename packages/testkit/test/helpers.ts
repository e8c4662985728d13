import { ActorSystem, silentLogger } from "@tsakt/actor";
import { afterEach } from "vitest";

const started: ActorSystem[] = [];

/** Starts a silent system that is stopped after the current test. */
export async function startSystem(): Promise<ActorSystem> {
  const system = await ActorSystem.start({ name: "testkit", logger: silentLogger });
  started.push(system);
  return system;
}

afterEach(async () => {
  await Promise.all(started.splice(0).map((s) => s.stop()));
});

/** Resolves with what `promise` rejects with; fails when it resolves. */
export async function rejectionOf(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error("expected the promise to reject, but it resolved");
}
