import type { ActorSystem, PID, Plugin } from "@tsakt/actor";
import { pluginOf } from "@tsakt/actor/internal";
import { file_tsakt_delivery_v1_delivery } from "./gen/tsakt/delivery/v1/delivery_pb.js";
import { PayloadCodec } from "./payload.js";

/** The name `deliveryOf(system)` looks for. */
export const deliveryPluginName = "delivery";

/** Every started delivery plugin of this process, so a consumer actor finds the codec of the system it runs in. */
const running = new Set<DeliveryPlugin>();

/** The reliable delivery plugin: registers the protocol's protobuf types with remoting and holds the running producers. */
export class DeliveryPlugin implements Plugin {
  readonly name = deliveryPluginName;
  readonly packageName = "@tsakt/delivery";
  readonly types = [file_tsakt_delivery_v1_delivery];
  private current: { system: ActorSystem; codec: PayloadCodec } | undefined = undefined;
  /** @internal Closes the producers of this system when it stops. */
  readonly producers = new Set<{ close(): void }>();

  /** Called by ActorSystem.start. */
  start(system: ActorSystem): void {
    this.current = { system, codec: new PayloadCodec(system) };
    running.add(this);
  }

  /** Called by system.stop: closes every producer. */
  stop(): void {
    for (const producer of [...this.producers]) producer.close();
    running.delete(this);
    this.current = undefined;
  }

  /** The system this plugin runs in, or undefined before start and after stop. */
  get system(): ActorSystem | undefined {
    return this.current?.system;
  }

  /** @internal Packs and unpacks payloads with the types remoting knows; undefined before start. */
  get codec(): PayloadCodec | undefined {
    return this.current?.codec;
  }
}

/** The reliable delivery plugin, for ActorSystem.start({ plugins: [remoting({ types }), reliableDelivery()] }). */
export function reliableDelivery(): DeliveryPlugin {
  return new DeliveryPlugin();
}

/** The running delivery plugin of `system`; PluginNotInstalledError when reliableDelivery() is not among its plugins. */
export function deliveryOf(system: ActorSystem): DeliveryPlugin {
  return pluginOf<DeliveryPlugin>(system, deliveryPluginName, "deliveryOf(system)", "@tsakt/delivery");
}

/** The running delivery plugin of the system that runs the local actor `self`, or undefined when there is none. */
export function pluginOfActor(self: PID): DeliveryPlugin | undefined {
  for (const plugin of running) if (plugin.system?.localActorOf(self.path) === self) return plugin;
  return undefined;
}
