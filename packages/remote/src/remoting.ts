import type { ActorFactory, ActorSystem, PID, SystemPlugin } from "@tsakt/actor";
import { InvalidOptionError } from "@tsakt/actor";
import { RemotingNotEnabledError } from "./errors.js";
import { type RemotingOptions, resolveOptions } from "./options.js";
import { RemoteNode, type RemoteStats } from "./remote-node.js";
import { RemotePID } from "./remote-pid.js";

/** Options of remote lookup, spawn and stop. */
export interface RequestOptions {
  /** How long to wait for the remote node. Default: remoting's requestTimeoutMs, else the system's askTimeoutMs. */
  timeoutMs?: number;
}

/** Remote operations of one actor system; get it with remoteOf(system). */
export interface Remote {
  /** This node's address prefix, "tsakt://system@host:port". */
  readonly address: string;
  /** The actor at `address` ("tsakt://system@host:port/user/name"); rejects with ActorNotFoundError when it does not exist there. */
  lookup(address: string, options?: RequestOptions): Promise<PID>;
  /** Spawns a top-level actor `name` of a `kind` registered on the node at `node` ("tsakt://system@host:port"). */
  spawn(node: string, name: string, kind: string, options?: RequestOptions): Promise<PID>;
  /** Stops an actor by PID or address, local or remote; resolves once it stopped. */
  stop(target: PID | string, options?: RequestOptions): Promise<void>;
  /** A PID for `address` without asking its node (tells to a missing actor become dead letters there). */
  pidOf(address: string): PID;
  /** Lets other nodes spawn actors of `kind` here. */
  registerKind(kind: string, factory: ActorFactory): void;
  /** Peers, open connections, pending asks and queued bytes. */
  stats(): RemoteStats;
}

const nodes = new WeakMap<ActorSystem, RemoteNode>();

function timeoutOf(options: RequestOptions | undefined): number | undefined {
  const t = options?.timeoutMs;
  if (t !== undefined && !(typeof t === "number" && t > 0 && Number.isFinite(t)))
    throw new InvalidOptionError("timeoutMs", `must be a positive number of milliseconds, got ${String(t)}`);
  return t;
}

/** The remoting plugin: pass it to ActorSystem.start({ plugins: [remoting({ host, port })] }); options are checked here. */
export function remoting(options: RemotingOptions = {}): SystemPlugin {
  const node = new RemoteNode(resolveOptions(options));
  return {
    name: "remoting",
    async start(system: ActorSystem): Promise<void> {
      await node.start(system);
      nodes.set(system, node);
    },
    stop(): Promise<void> {
      return node.stop();
    },
    resolve(nameOrAddress: string): Promise<PID | undefined> {
      return node.resolve(nameOrAddress);
    },
    async stopActor(pid: PID): Promise<boolean> {
      if (!(pid instanceof RemotePID)) return false;
      await node.stopActor(pid);
      return true;
    },
  };
}

/** The remote operations of `system`; throws RemotingNotEnabledError when it was started without remoting. */
export function remoteOf(system: ActorSystem): Remote {
  const node = nodes.get(system);
  if (node === undefined) throw new RemotingNotEnabledError(system.name);
  return {
    get address() {
      return node.address;
    },
    lookup: (address, options) => node.lookup(address, timeoutOf(options)),
    spawn: (target, name, kind, options) => node.spawnRemote(target, name, kind, timeoutOf(options)),
    stop: (target, options) => node.stopActor(target, timeoutOf(options)),
    pidOf: (address) => node.pidOf(address),
    registerKind(kind, factory) {
      if (typeof kind !== "string" || kind.length === 0) throw new InvalidOptionError("kind", "must be a non-empty name");
      if (typeof factory !== "function") throw new InvalidOptionError("factory", "must be a function returning an actor");
      node.kinds.set(kind, factory);
    },
    stats: () => node.stats(),
  };
}
