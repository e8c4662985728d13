import { ActorSystem, type ActorSystemOptions } from "@tsakt/actor";
import { reliableDelivery } from "@tsakt/delivery";
import { afterEach } from "vitest";

/**
 * Gives a test file its `start(options)`: starts an actor system (default: "local" with the reliableDelivery plugin)
 * and stops it after the test that started it.
 */
export function systemPerTest(): (options?: ActorSystemOptions) => Promise<ActorSystem> {
  let system: ActorSystem | undefined;
  afterEach(async () => {
    await system?.stop();
    system = undefined;
  });
  return async (options = { name: "local", plugins: [reliableDelivery()] }) => {
    system = await ActorSystem.start(options);
    return system;
  };
}
