import { create } from "@bufbuild/protobuf";
import { InvalidOptionError } from "@tsakt/actor";
import { sleep } from "@tsakt/actor/internal";
import { ClusterNotRunningError, RegistryUnavailableError, RegistryWriteQuorumError } from "./errors.js";
import {
  LookupSchema,
  type Member,
  PutSchema,
  type RegistryEntry,
  RegistryEntrySchema,
  RemoveSchema,
} from "./gen/tsakt/cluster/v1/cluster_pb.js";
import { isLive } from "./member.js";
import type { Membership } from "./membership.js";
import type { MessageBody, Messenger } from "./messenger.js";
import { RegistryOperationCounts } from "./metrics.js";
import type { ClusterSettings } from "./options.js";
import type { RegistryReplica } from "./registry-replica.js";

/** What putIfAbsent stores besides the key. */
export interface RegistryPutOptions {
  /** What the key names, for example an actor kind, so it can be re-created elsewhere. Default: "". */
  kind?: string;
  /** Opaque extra data. Default: empty. */
  data?: Uint8Array;
  /** Name of the live member that owns what the key names. Default: this node. */
  owner?: string;
}

/** The outcome of putIfAbsent. */
export interface RegistryPutResult {
  /** True when this call created the entry; false when the key already had one. */
  created: boolean;
  /** The entry now registered under the key (this call's, or the one that was there). */
  entry: RegistryEntry;
}

/** Options of remove. */
export interface RegistryRemoveOptions {
  /** Remove only when this member owns the entry, so a stale owner cannot remove its successor's. Default: any owner. */
  owner?: string;
}

/** The registry's partition layout and this node's share of it, for monitoring. */
export interface RegistryStats {
  /** Number of partitions. */
  readonly partitions: number;
  /** Holders per partition (primary and backups), at most the number of members. */
  readonly replicaCount: number;
  /** Partitions this node is primary of. */
  readonly primaryPartitions: number;
  /** Partitions this node holds, as primary or backup. */
  readonly heldPartitions: number;
  /** Live entries this node holds (as primary or backup). */
  readonly localEntries: number;
  /** Partitions each member is primary of, by member name. */
  readonly primaryCounts: Readonly<Record<string, number>>;
}

/** Most tries of one registry operation (each a request, a redirect or a wait for membership to settle). */
const attempts = 5;
const maxKeyLength = 4096;

/**
 * The cluster-wide registry: unique keys (actor names, grain identities) mapped to their owning member. Each key
 * lives in one of `partitions` partitions, written at the partition's primary with put-if-absent and replicated
 * to its backups before the write is acknowledged; reads go to the primary and fall back to the backups.
 * Entries of members that die or leave are removed and handed to Cluster.onOwnerLost listeners (relocation); those
 * of relocatable actors and singletons are marked orphaned and stay until re-created. A put over an orphaned entry, or
 * one whose owner is gone, succeeds.
 */
export class Registry {
  /** @internal Operations this node made, by outcome (for metrics). */
  readonly operations = new RegistryOperationCounts();
  /** @internal The cluster makes it; use clusterOf(system).registry. */
  constructor(
    private readonly replica: RegistryReplica,
    private readonly membership: Membership,
    private readonly messenger: Messenger,
    private readonly settings: ClusterSettings,
    private readonly isRunning: () => boolean,
  ) {}

  /** The partition `key` lives in. */
  partitionOf(key: string): number {
    return this.replica.table.partitionOf(key);
  }

  /** Name of the member that is the primary of `key`'s partition in this node's view. */
  primaryOf(key: string): string | undefined {
    return this.replica.primaryName(this.partitionOf(key));
  }

  /** Registers `key` unless it exists; exactly one of several racing callers gets `created: true`. */
  async putIfAbsent(key: string, options: RegistryPutOptions = {}): Promise<RegistryPutResult> {
    this.ensure("put", key);
    const owner = options.owner ?? (this.membership.self.member as Member).name;
    const state = this.membership.get(owner);
    if (state === undefined || !isLive(state)) throw new InvalidOptionError("owner", `"${owner}" is not a live member of the cluster`);
    const { uid: ownerUid, startedAtMs: ownerStartedAtMs } = state.member as Member;
    const entry = create(RegistryEntrySchema, {
      key,
      owner,
      ownerUid,
      ownerStartedAtMs,
      kind: options.kind ?? "",
      data: options.data ?? new Uint8Array(0),
    });
    let uncertain = false;
    const body = await this.call(key, "put", { case: "put", value: create(PutSchema, { entry }) }, false, () => (uncertain = true));
    if (body.case !== "putResult" || body.value.entry === undefined) throw new RegistryUnavailableError(key, "put");
    const stored = body.value.entry;
    // After a timed-out attempt the write may have landed; finding our own entry then means it was ours.
    const created = body.value.created || (uncertain && stored.owner === owner && stored.ownerUid === ownerUid);
    return { created, entry: stored };
  }

  /** The entry of `key`, or undefined when none is registered. */
  async get(key: string): Promise<RegistryEntry | undefined> {
    this.ensure("get", key);
    const body = await this.call(key, "get", { case: "lookup", value: create(LookupSchema, { key }) }, true);
    return body.case === "lookupResult" ? body.value.entry : undefined;
  }

  /** Removes `key`; true when an entry (of `options.owner`, when given) was removed. */
  async remove(key: string, options: RegistryRemoveOptions = {}): Promise<boolean> {
    this.ensure("remove", key);
    const body = await this.call(key, "remove", { case: "remove", value: create(RemoveSchema, { key, owner: options.owner ?? "" }) });
    return body.case === "removeResult" && body.value.removed;
  }

  /**
   * True when this node knows that the run owning `entry` is gone (it left, was downed, or a later run of its member
   * joined). False for a live owner and for one this node has not met yet (a node that just joined or rejoined may
   * know only part of the cluster): only a gone owner's entry may be removed by someone else.
   */
  ownerGone(entry: Pick<RegistryEntry, "owner" | "ownerUid" | "ownerStartedAtMs">): boolean {
    return this.membership.isGone(entry.owner, entry.ownerUid, entry.ownerStartedAtMs);
  }

  /** Number of live entries this node holds (as primary or backup), for tests and metrics. */
  localEntryCount(): number {
    return this.replica.store.liveCount();
  }

  /** The partition layout and this node's share of it (reads only; for monitoring). */
  stats(): RegistryStats {
    const table = this.replica.table;
    const me = (this.membership.self.member as Member).name;
    let held = 0;
    for (let p = 0; p < table.partitions; p++) if (table.holds(p, me)) held++;
    const primaryCounts = Object.fromEntries(table.primaryCounts());
    return {
      partitions: table.partitions,
      replicaCount: table.replicaCount,
      primaryPartitions: primaryCounts[me] ?? 0,
      heldPartitions: held,
      localEntries: this.replica.store.liveCount(),
      primaryCounts,
    };
  }

  private ensure(operation: string, key: unknown): void {
    if (!this.isRunning()) throw new ClusterNotRunningError(`${operation} a registry key`);
    if (typeof key !== "string" || key.length === 0 || key.length > maxKeyLength)
      throw new InvalidOptionError(
        "key",
        `must be a string of 1 to ${maxKeyLength} characters, got ${typeof key === "string" ? `${key.length} characters` : typeof key}`,
      );
  }

  /** Sends `body` to the key's primary, following redirects and retrying while membership settles. */
  private async call(key: string, operation: string, body: MessageBody, backups = false, onFailure?: () => void): Promise<MessageBody> {
    try {
      const answer = await this.attempts(key, operation, body, backups, onFailure);
      this.operations.count(operation, true);
      return answer;
    } catch (error) {
      this.operations.count(operation, false);
      throw error;
    }
  }

  private async attempts(
    key: string,
    operation: string,
    body: MessageBody,
    backups: boolean,
    onFailure?: () => void,
  ): Promise<MessageBody> {
    let hint: string | undefined;
    let lastError: unknown;
    let shortOfQuorum: { acks: number; needed: number } | undefined;
    let unanswered = false;
    for (let attempt = 0; attempt < attempts; attempt++) {
      if (!this.isRunning()) throw new ClusterNotRunningError(`${operation} a registry key`);
      const p = this.partitionOf(key);
      const target = hint ?? this.replica.primaryName(p);
      hint = undefined;
      let answer: MessageBody | undefined;
      try {
        answer = await this.ask(target, body);
      } catch (error) {
        lastError = error;
        unanswered = true;
        onFailure?.();
      }
      if (answer?.case === "notPrimary") {
        if (answer.value.primary !== target && answer.value.primary !== "") hint = answer.value.primary;
      } else if (answer?.case === "writeFailed") {
        // Rolled back by the primary: nothing was applied, so trying again is safe.
        shortOfQuorum = { acks: answer.value.acks, needed: answer.value.needed };
      } else if (answer !== undefined && answer.case !== undefined) {
        return answer;
      } else if (backups) {
        const fromBackup = await this.askBackups(p, key, target);
        if (fromBackup !== undefined) return fromBackup;
      }
      if (hint === undefined) await sleep(this.settings.clock, Math.ceil((this.settings.probeIntervalMs * (attempt + 1)) / 2));
    }
    if (shortOfQuorum !== undefined) throw new RegistryWriteQuorumError(key, operation, shortOfQuorum.acks, shortOfQuorum.needed);
    throw new RegistryUnavailableError(key, operation, lastError, unanswered && body.case !== "lookup");
  }

  /** Asks member `name` (this node itself without a message); undefined when it is not a live member. */
  private async ask(name: string | undefined, body: MessageBody): Promise<MessageBody | undefined> {
    if (name === undefined) return undefined;
    if (name === this.membership.self.member?.name) return this.replica.serve(body);
    const state = this.membership.get(name);
    if (state === undefined || !isLive(state)) return undefined;
    return (await this.messenger.request(state.member as Member, body, this.settings.requestTimeoutMs)).body;
  }

  /** Reads `key` from the partition's backups, first answer wins; undefined when none answered. */
  private async askBackups(p: number, key: string, skip: string | undefined): Promise<MessageBody | undefined> {
    const lookup: MessageBody = { case: "lookup", value: create(LookupSchema, { key, anyHolder: true }) };
    for (const name of this.replica.table.replicas(p)) {
      if (name === skip) continue;
      try {
        const answer = await this.ask(name, lookup);
        if (answer?.case === "lookupResult") return answer;
      } catch {
        // Try the next holder.
      }
    }
    return undefined;
  }
}
