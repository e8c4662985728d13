import { create } from "@bufbuild/protobuf";
import { file_google_protobuf_wrappers, StringValueSchema } from "@bufbuild/protobuf/wkt";
import { ActorSystem } from "@tsakt/actor";
import { NatsDiscoveryProvider } from "@tsakt/discovery-nats";
import { parseRemoteAddress, remoteOf, remoting } from "@tsakt/remote";

/** One TsAkt node: an actor system reachable over remoting and advertised in NATS; `await using` deregisters and stops it. */
export interface Node extends AsyncDisposable {
  /** The node's name, which is also its actor system's name. */
  readonly name: string;
  /** This node's address prefix, "tsakt://name@host:port". */
  readonly address: string;
  /** The node's actor system; its "greeter" actor answers a StringValue with a greeting. */
  readonly system: ActorSystem;
  /** The node's view of the cluster through NATS. */
  readonly discovery: NatsDiscoveryProvider;
}

/** Starts a node named `name` on a free port of 127.0.0.1 and registers it in cluster "example" of the NATS server at `natsUrl`. */
export async function startNode(name: string, natsUrl: string): Promise<Node> {
  const system = await ActorSystem.start({ name, plugins: [remoting({ types: [file_google_protobuf_wrappers] })] });
  await system.spawnFunc("greeter", (ctx) => {
    if (ctx.is(StringValueSchema)) ctx.respond(create(StringValueSchema, { value: `${name} greets ${ctx.message.value}` }));
  });
  const self = parseRemoteAddress(remoteOf(system).address);
  if (self === undefined) throw new Error(`node ${name} has no network address; is remoting listening?`);
  const discovery = new NatsDiscoveryProvider({ servers: natsUrl, clusterName: "example" });
  // The discovery name is the system name, so a peer's entry is all it takes to build its actors' addresses.
  await discovery.register({ name, host: self.host, port: self.port });
  return {
    name,
    address: self.node,
    system,
    discovery,
    async [Symbol.asyncDispose]() {
      await discovery.deregister();
      await discovery.close();
      await system.stop();
    },
  };
}
