import { ActorSystem, silentLogger } from "@tsakt/actor";
import { afterEach } from "vitest";

const started: ActorSystem[] = [];

/** Starts a silent system that is stopped after the current test. */
export async function startSystem(): Promise<ActorSystem> {
  const system = await ActorSystem.start({ name: "pubsub-test", logger: silentLogger });
  started.push(system);
  return system;
}

afterEach(async () => {
  await Promise.all(started.splice(0).map((s) => s.stop()));
});
