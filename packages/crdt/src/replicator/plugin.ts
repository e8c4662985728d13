import type { ActorSystem, PID, Plugin, ProtoTypes } from "@tsakt/actor";
import { every, hostOf, pluginOf } from "@tsakt/actor/internal";
import { clusterOf } from "@tsakt/cluster";
import { remoteOf } from "@tsakt/remote";
import type { Crdt } from "../crdt.js";
import { CrdtArgumentError } from "../errors.js";
import { file_tsakt_crdt_v1_crdt } from "../gen/tsakt/crdt/v1/crdt_pb.js";
import { file_tsakt_crdt_v1_replicator } from "../gen/tsakt/crdt/v1/replicator_pb.js";
import { ReplicatorEndpoint } from "./endpoint.js";
import { ReplicatorNotRunningError } from "./errors.js";
import { ReplicatorNode, type ReplicatorStats } from "./node.js";
import {
  checkConsistency,
  checkTimeout,
  type ReadOptions,
  type ReplicatorOptions,
  type ReplicatorSettings,
  resolveReplicatorOptions,
  type WriteOptions,
} from "./options.js";
import { Peers } from "./peers.js";

/** Message files the replicator sends between nodes; the plugin declares them, so remoting knows them. */
export const replicatorTypes: readonly ProtoTypes[] = Object.freeze([file_tsakt_crdt_v1_crdt, file_tsakt_crdt_v1_replicator]);

/** How `update` changes a value: gets the current value (or `initial`) and this node's id, returns the new value. */
export type Modify<T extends Crdt> = (value: T, node: string) => T;

/** The replicator of one cluster node: replicated values by key, kept in step with every other member. */
export interface Replicator extends Plugin {
  /** This run's node id for updates, "<member name>#<uid>"; `update` passes it to `modify`. */
  readonly selfNode: string;
  /**
   * Applies `modify` to the value of `key` (or to `initial` when the key has none) on this node, then waits until the
   * nodes `writeConsistency` needs hold the change. Resolves with the new local value. KeyDeletedError for a deleted
   * key, CrdtTypeMismatchError when the key holds another type, ConsistencyNotMetError when the nodes did not confirm
   * in time (the change stays applied here and spreads by gossip).
   */
  update<T extends Crdt>(key: string, initial: T, modify: Modify<T>, options?: WriteOptions): Promise<T>;
  /**
   * The value of `key` merged from the nodes `readConsistency` needs (this one included), or undefined when none of
   * them holds it. KeyDeletedError for a deleted key, ConsistencyNotMetError when too few answered in time.
   */
  get<T extends Crdt>(key: string, options?: ReadOptions): Promise<T | undefined>;
  /** Replaces `key`'s value with a tombstone that wins every merge; the key cannot be used again. */
  delete(key: string, options?: WriteOptions): Promise<void>;
  /** Tells `subscriber` a `Changed` message with the value of `key` now (if any) and after each change, coalesced per notifyIntervalMs. */
  subscribe(key: string, subscriber: PID): void;
  /** Stops telling `subscriber` about `key`; false when it was not subscribed. */
  unsubscribe(key: string, subscriber: PID): boolean;
  /** Keys this node holds, deleted ones included. */
  keys(): string[];
  /** Counters of what this node's replicator sent and merged. */
  stats(): ReplicatorStats;
}

class ReplicatorPlugin implements Replicator {
  readonly name = "replicator";
  readonly packageName = "@tsakt/crdt";
  /** Needs the cluster (membership) and remoting (which carries the replicator's messages). */
  readonly dependsOn: readonly string[] = ["remoting", "cluster"];
  readonly types = replicatorTypes;
  private node: ReplicatorNode | undefined;
  private self = "";
  private readonly stops: Array<() => void> = [];

  /** @internal Use replicator(). */
  constructor(private readonly settings: ReplicatorSettings) {}

  get selfNode(): string {
    this.running("read selfNode");
    return this.self;
  }

  async start(system: ActorSystem): Promise<void> {
    const cluster = clusterOf(system);
    const host = hostOf(system);
    const peers = new Peers(cluster, remoteOf(system), this.settings.name);
    this.self = `${cluster.self.name}#${cluster.self.uid}`;
    const node = new ReplicatorNode({
      selfName: cluster.self.name,
      selfNode: this.self,
      peers,
      clock: host.clock,
      logger: system.logger,
      settings: this.settings,
    });
    await host.spawnSystemActor(this.settings.name, () => new ReplicatorEndpoint(node));
    this.node = node;
    this.stops.push(
      every(host.clock, this.settings.gossipIntervalMs, () => node.gossip()),
      every(host.clock, this.settings.antiEntropyIntervalMs, () => node.antiEntropy()),
      cluster.subscribe((event) => {
        if (event.type === "member-joined") node.syncWith(event.member);
        else if (event.type === "member-left") peers.forget(event.member);
      }),
    );
    for (const member of peers.others()) node.syncWith(member);
  }

  stop(): void {
    const node = this.node;
    if (node === undefined) return;
    // Changes made just before the stop still reach the others.
    node.gossip();
    for (const stop of this.stops.splice(0)) stop();
    node.close();
    this.node = undefined;
  }

  update<T extends Crdt>(key: string, initial: T, modify: Modify<T>, options: WriteOptions = {}): Promise<T> {
    try {
      checkKey(key);
      if (!isCrdt(initial)) throw new CrdtArgumentError("initial", "must be a value of @tsakt/crdt, such as PNCounter.empty()");
      if (typeof modify !== "function") throw new CrdtArgumentError("modify", "must be a function (value, node) => new value");
      const consistency = checkConsistency(options.writeConsistency ?? "local", "writeConsistency");
      const timeoutMs = checkTimeout(options.timeoutMs, this.settings.timeoutMs);
      return this.running("update").update(key, initial, modify, consistency, timeoutMs);
    } catch (error) {
      return Promise.reject(error);
    }
  }

  get<T extends Crdt>(key: string, options: ReadOptions = {}): Promise<T | undefined> {
    try {
      checkKey(key);
      const consistency = checkConsistency(options.readConsistency ?? "local", "readConsistency");
      const timeoutMs = checkTimeout(options.timeoutMs, this.settings.timeoutMs);
      return this.running("get").get<T>(key, consistency, timeoutMs);
    } catch (error) {
      return Promise.reject(error);
    }
  }

  delete(key: string, options: WriteOptions = {}): Promise<void> {
    try {
      checkKey(key);
      const consistency = checkConsistency(options.writeConsistency ?? "local", "writeConsistency");
      const timeoutMs = checkTimeout(options.timeoutMs, this.settings.timeoutMs);
      return this.running("delete").delete(key, consistency, timeoutMs);
    } catch (error) {
      return Promise.reject(error);
    }
  }

  subscribe(key: string, subscriber: PID): void {
    checkKey(key);
    checkPid(subscriber);
    this.running("subscribe").subscriptions.add(key, subscriber);
  }

  unsubscribe(key: string, subscriber: PID): boolean {
    checkKey(key);
    checkPid(subscriber);
    return this.running("unsubscribe").subscriptions.remove(key, subscriber);
  }

  keys(): string[] {
    return [...this.running("list keys").store.keys()];
  }

  stats(): ReplicatorStats {
    return this.running("read stats").stats();
  }

  private running(operation: string): ReplicatorNode {
    if (this.node === undefined) throw new ReplicatorNotRunningError(operation);
    return this.node;
  }
}

/** Longest key accepted, in UTF-16 code units. */
export const MAX_KEY_LENGTH = 1024;

function checkKey(key: unknown): asserts key is string {
  if (typeof key !== "string" || key.length === 0 || key.length > MAX_KEY_LENGTH)
    throw new CrdtArgumentError("key", `must be a non-empty string of at most ${MAX_KEY_LENGTH} characters, got ${JSON.stringify(key)}`);
}

function checkPid(pid: unknown): void {
  if (typeof (pid as Partial<PID> | null)?.tell !== "function") throw new CrdtArgumentError("subscriber", "must be a PID");
}

function isCrdt(value: unknown): value is Crdt {
  const v = value as Partial<Crdt> | null;
  return (
    typeof v === "object" && v !== null && typeof v.type === "string" && (v.type as string) !== "Deleted" && typeof v.merge === "function"
  );
}

/**
 * The replicator plugin: `plugins: [remoting(), cluster({…}), replicator()]` on every node that holds replicated
 * data. replicatorOf(system) returns it. Options are checked here (InvalidOptionError names the field).
 */
export function replicator(options: ReplicatorOptions = {}): Replicator {
  return new ReplicatorPlugin(resolveReplicatorOptions(options));
}

/** The replicator of `system`; PluginNotInstalledError when it was started without replicator(). */
export function replicatorOf(system: ActorSystem): Replicator {
  return pluginOf<ReplicatorPlugin>(system, "replicator", "replicatorOf(system)", "@tsakt/crdt/cluster (replicator())");
}
