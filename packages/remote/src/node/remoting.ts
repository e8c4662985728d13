import type { ActorSystem, KindDefinition, PID, Plugin } from "@tsakt/actor";
import { InvalidOptionError } from "@tsakt/actor";
import { pluginOf, resolveKindDefinition } from "@tsakt/actor/internal";
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
  /** Spawns a top-level actor `name` of a `kind` registered on the node at `node` ("tsakt://system@host:port"), with the kind's options. */
  spawn(node: string, name: string, kind: string, options?: RequestOptions): Promise<PID>;
  /** Stops an actor by PID or address, local or remote; resolves once it stopped. */
  stop(target: PID | string, options?: RequestOptions): Promise<void>;
  /** A PID for `address` without asking its node (tells to a missing actor become dead letters there). */
  pidOf(address: string): PID;
  /** Lets other nodes spawn actors of `kind` here: a factory, or { factory, options } whose spawn options every such actor gets. */
  registerKind(kind: string, definition: KindDefinition): void;
  /** Peers, open connections, pending asks and queued bytes. */
  stats(): RemoteStats;
}

function timeoutOf(options: RequestOptions | undefined): number | undefined {
  const t = options?.timeoutMs;
  if (t !== undefined && !(typeof t === "number" && t > 0 && Number.isFinite(t)))
    throw new InvalidOptionError("timeoutMs", `must be a positive number of milliseconds, got ${String(t)}`);
  return t;
}

/** The remoting plugin of one system, which ActorSystem.start runs; remoteOf(system) returns its `remote`. */
class RemotingPlugin implements Plugin {
  readonly name = "remoting";
  readonly packageName = "@tsakt/remote";
  readonly remote: Remote;

  constructor(readonly node: RemoteNode) {
    this.remote = {
      get address() {
        return node.address;
      },
      lookup: (address, options) => node.lookup(address, timeoutOf(options)),
      spawn: (target, name, kind, options) => node.spawnRemote(target, name, kind, timeoutOf(options)),
      stop: (target, options) => node.stopActor(target, timeoutOf(options)),
      pidOf: (address) => node.pidOf(address),
      registerKind(kind, definition) {
        if (typeof kind !== "string" || kind.length === 0) throw new InvalidOptionError("kind", "must be a non-empty name");
        node.kinds.set(kind, resolveKindDefinition(definition, "definition"));
      },
      stats: () => node.stats(),
    };
  }

  start(system: ActorSystem): Promise<void> {
    return this.node.start(system);
  }

  stop(): Promise<void> {
    return this.node.stop();
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.stop();
  }

  resolve(nameOrAddress: string): Promise<PID | undefined> {
    return this.node.resolve(nameOrAddress);
  }

  async stopActor(pid: PID): Promise<boolean> {
    if (!(pid instanceof RemotePID)) return false;
    await this.node.stopActor(pid);
    return true;
  }
}

/** The remoting plugin: pass it to ActorSystem.start({ plugins: [remoting({ host, port, types })] }); options are checked here. */
export function remoting(options: RemotingOptions = {}): Plugin & AsyncDisposable {
  return new RemotingPlugin(new RemoteNode(resolveOptions(options)));
}

/** The remote operations of `system`; throws PluginNotInstalledError when it was started without remoting(). */
export function remoteOf(system: ActorSystem): Remote {
  return pluginOf<RemotingPlugin>(system, "remoting", "remoteOf(system)").remote;
}

/** The remoting node of `system`, for sibling packages (@tsakt/remote/internal); PluginNotInstalledError without remoting. */
export function remoteNodeOf(system: ActorSystem, neededBy: string): RemoteNode {
  return pluginOf<RemotingPlugin>(system, "remoting", neededBy).node;
}
