import { type ActorSystem, InvalidOptionError, type PID, type Plugin, type ProtoTypes } from "@tsakt/actor";
import { hostOf, pluginOf } from "@tsakt/actor/internal";
import type { Cluster } from "@tsakt/cluster";
import type { Grains } from "@tsakt/grains";
import { remoteOf } from "@tsakt/remote";
import { openToClients, remoteTypesOf } from "@tsakt/remote/internal";
import { GatewayActor } from "./gateway-actor.js";
import { file_tsakt_client_v1_gateway } from "./gen/tsakt/client/v1/gateway_pb.js";
import { gatewayPath } from "./node-state.js";

/** The gateway's own protobuf messages; clientGateway() declares them, so remoting knows them. */
export const gatewayTypes: readonly ProtoTypes[] = Object.freeze([file_tsakt_client_v1_gateway]);

/** Path of the gateway actor on a member, "/system/client-gateway". */
export { gatewayPath };

/** The client gateway of a node, from clientGateway(). */
class ClientGatewayPlugin implements Plugin {
  readonly name = "client-gateway";
  readonly packageName = "@tsakt/client";
  readonly dependsOn = ["remoting", "cluster"] as const;
  readonly types = gatewayTypes;
  private pid: PID | undefined = undefined;
  private system: ActorSystem | undefined = undefined;

  async start(system: ActorSystem): Promise<void> {
    this.system = system;
    const host = hostOf(system);
    const cluster = pluginOf<Cluster & Plugin>(system, "cluster", "clientGateway()");
    const deps = {
      system,
      cluster,
      remote: remoteOf(system),
      registry: remoteTypesOf(system, "clientGateway()"),
      // Grains are optional: a node without them answers grain calls with PluginNotInstalled.
      grains: () => host.plugin<Grains & Plugin>("grains"),
    };
    const name = gatewayPath.slice("/system/".length);
    this.pid = await host.spawnSystemActor(name, () => new GatewayActor(deps));
    // Clients connect with the role "client": the gateway is the one system actor they may reach.
    openToClients(system, name);
  }

  async stop(): Promise<void> {
    // The gateway is a system actor: it stops with the system; stopping it first ends pushes before the cluster leaves.
    if (this.pid !== undefined && this.system !== undefined) await this.system.stopActor(this.pid).catch(() => undefined);
  }
  /** Stops it (as stop()). */
  [Symbol.asyncDispose](): Promise<void> {
    return this.stop();
  }
}

/**
 * The client gateway plugin for cluster members: `plugins: [remoting({ types }), cluster({…}), clusterGrains({…}),
 * clientGateway()]`. It runs /system/client-gateway, which external clients (@tsakt/client) reach over remoting:
 * it tells them the membership, pushes every change, and calls grains by identity and actors by name for them, so
 * the cluster forwards inside. Add it to every member clients may contact.
 */
export function clientGateway(options: Record<string, never> = {}): Plugin {
  if (typeof options !== "object" || options === null || Object.keys(options).length > 0)
    throw new InvalidOptionError(Object.keys(options ?? {})[0] ?? "options", "clientGateway() takes no options yet");
  return new ClientGatewayPlugin();
}
