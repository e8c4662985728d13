import { ActorSystem, type Plugin, silentLogger } from "@tsakt/actor";
import { pubsub } from "@tsakt/pubsub";
import { afterEach } from "vitest";

const started: ActorSystem[] = [];

/** Starts a silent system with `plugins` (Default: pubsub()) that is stopped after the current test. */
export async function startSystem(plugins: Plugin[] = [pubsub()]): Promise<ActorSystem> {
  const system = await ActorSystem.start({ name: "pubsub-test", logger: silentLogger, plugins });
  started.push(system);
  return system;
}

afterEach(async () => {
  await Promise.all(started.splice(0).map((s) => s.stop()));
});
