import { isMessage } from "@bufbuild/protobuf";
import { type Actor, type ActorSystem, InvalidOptionError, type PID, PostStartSchema, type ReceiveContext } from "@tsakt/actor";
import { hostOf } from "@tsakt/actor/internal";
import { parseRemoteAddress, type Remote, remoteOf } from "@tsakt/remote";
import { remoteNodeOf } from "@tsakt/remote/internal";
import { ClusterUnreachableError } from "./errors.js";
import { type ClusterMessage, ClusterMessageSchema, file_tsakt_cluster_v1_cluster } from "./gen/tsakt/cluster/v1/cluster_pb.js";
import { file_tsakt_cluster_v1_placement } from "./gen/tsakt/cluster/v1/placement_pb.js";
import { type ClusterMessageHandler, type ClusterTransport, hostPortOf, type MemberAddress } from "./transport.js";

/** Options of remotingTransport. */
export interface RemotingTransportOptions {
  /** This node's unique name in the cluster. Default: remoting's "host:port". */
  name?: string;
  /** Name of the system actor (under /system) that receives cluster messages; the same on every node. Default: "cluster". */
  actorName?: string;
}

/**
 * A ClusterTransport over @tsakt/remote, so the cluster needs no port of its own: cluster messages go to the system
 * actor `/system/<actorName>` of each node, one-way messages as tells and requests as asks. Start remoting first
 * (`plugins: [remoting({ types: [...clusterTypes] }), new Cluster({ transport: remotingTransport(), … })]`); every
 * node must use the same actor system name.
 */
export function remotingTransport(options: RemotingTransportOptions = {}): (system: ActorSystem) => Promise<ClusterTransport> {
  if (typeof options !== "object" || options === null) throw new InvalidOptionError("options", "must be an object { name?, actorName? }");
  if (options.name !== undefined && (typeof options.name !== "string" || options.name.length === 0))
    throw new InvalidOptionError("name", "must be a non-empty string");
  const actorName = options.actorName ?? "cluster";
  if (typeof actorName !== "string" || !/^[A-Za-z0-9_.~@-][A-Za-z0-9_.~@$-]{0,254}$/.test(actorName))
    throw new InvalidOptionError("actorName", "must be an actor name: letters, digits and _ . ~ @ $ -, not starting with $");
  return async (system) => {
    const remote = remoteOf(system);
    // The cluster plugin declares these too; a transport made on its own (tests, custom clusters) needs them as well.
    remoteNodeOf(system, "remotingTransport()").serialization.register([file_tsakt_cluster_v1_cluster, file_tsakt_cluster_v1_placement]);
    const parsed = parseRemoteAddress(remote.address);
    if (parsed === undefined)
      throw new InvalidOptionError("transport", `remoting has no host:port address (${remote.address}); start remoting before the cluster`);
    const transport = new RemotingClusterTransport(
      system,
      remote,
      { name: options.name ?? parsed.hostPort, host: parsed.host, port: parsed.port },
      actorName,
    );
    await transport.listen();
    return transport;
  };
}

/** The remoting-backed transport of one node. */
class RemotingClusterTransport implements ClusterTransport {
  private handler: ClusterMessageHandler | undefined = undefined;
  private endpoint: PID | undefined = undefined;
  private closed = false;
  private readonly peers = new Map<string, PID>();
  private readonly pending = new Set<(error: Error) => void>();

  constructor(
    private readonly system: ActorSystem,
    private readonly remote: Remote,
    readonly self: MemberAddress,
    private readonly actorName: string,
  ) {}

  /** Spawns the system actor that receives this node's cluster messages. */
  async listen(): Promise<void> {
    this.endpoint = await hostOf(this.system).spawnSystemActor(this.actorName, () => new ClusterEndpoint(this));
  }

  send(to: MemberAddress, message: ClusterMessage): void {
    if (!this.closed) this.peer(to).tell(message);
  }

  request(to: MemberAddress, message: ClusterMessage, timeoutMs: number): Promise<ClusterMessage> {
    if (this.closed) return Promise.reject(new ClusterUnreachableError(to.name, "this node's transport is closed"));
    return new Promise<ClusterMessage>((resolve, reject) => {
      const fail = (error: Error): void => {
        this.pending.delete(fail);
        reject(error);
      };
      this.pending.add(fail);
      this.peer(to)
        .ask<unknown>(message, { timeoutMs })
        .then(
          (reply) => {
            this.pending.delete(fail);
            if (isMessage(reply, ClusterMessageSchema)) resolve(reply);
            else reject(new ClusterUnreachableError(to.name, `answered with ${typeof reply} instead of a ClusterMessage`));
          },
          (error: unknown) => fail(error instanceof Error ? error : new Error(String(error))),
        );
    });
  }

  onMessage(handler: ClusterMessageHandler): void {
    this.handler = handler;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.handler = undefined;
    for (const fail of [...this.pending]) fail(new ClusterUnreachableError(this.self.name, "this node's transport is closed"));
    const endpoint = this.endpoint;
    this.endpoint = undefined;
    if (endpoint !== undefined && this.system.isRunning) await this.system.stopActor(endpoint).catch(() => undefined);
  }

  /** Hands a message the endpoint actor received to the cluster; `sender` is the asker when it was a request. */
  deliver(message: ClusterMessage, sender: PID | undefined): void {
    const handler = this.handler;
    if (handler === undefined) return;
    handler(message, sender === undefined ? undefined : (answer) => void sender.tell(answer));
  }

  /** The remote PID of a peer's endpoint actor, cached per host:port. */
  private peer(to: MemberAddress): PID {
    const key = hostPortOf(to);
    let pid = this.peers.get(key);
    if (pid === undefined) {
      pid = this.remote.pidOf(`tsakt://${this.system.name}@${key}/system/${this.actorName}`);
      this.peers.set(key, pid);
    }
    return pid;
  }
}

/** The system actor that receives cluster messages and hands them to the transport. */
class ClusterEndpoint implements Actor {
  constructor(private readonly transport: RemotingClusterTransport) {}

  receive(ctx: ReceiveContext): void {
    const message = ctx.message;
    if (isMessage(message, ClusterMessageSchema)) this.transport.deliver(message, ctx.sender);
    else if (!isMessage(message, PostStartSchema)) ctx.unhandled();
  }
}
