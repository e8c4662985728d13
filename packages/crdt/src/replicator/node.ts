import { create } from "@bufbuild/protobuf";
import type { Logger } from "@tsakt/actor";
import type { Clock } from "@tsakt/actor/internal";
import type { ClusterMember } from "@tsakt/cluster";
import { type Crdt, isDeltaCrdt, mergeReplicated, type Replicated, withoutDelta } from "../crdt.js";
import { Deleted } from "../deleted.js";
import { CrdtTypeMismatchError } from "../errors.js";
import {
  type DeltaGossip,
  type Read,
  type ReadResult,
  ReadSchema,
  type StateGossip,
  type Status,
  type Write,
  type WriteAck,
  WriteSchema,
} from "../gen/tsakt/crdt/v1/replicator_pb.js";
import { answerStatus, chunksFor, statusOf } from "./anti-entropy.js";
import { encodeEnvelope, envelopeOf } from "./envelope.js";
import { ConsistencyNotMetError, KeyDeletedError, type ReplicatorOperation } from "./errors.js";
import { gather } from "./gather.js";
import { batches, deltaGossip, readResult, stateGossip, writeAck } from "./messages.js";
import { type Consistency, describeConsistency, needed, type ReplicatorSettings } from "./options.js";
import type { Peers } from "./peers.js";
import { ReplicaStore } from "./store.js";
import { Subscriptions } from "./subscriptions.js";

/** Counters of what one node's replicator did since it started. */
export interface ReplicatorStats {
  /** Keys held, deleted ones included. */
  readonly keys: number;
  /** Local updates and deletes that changed something. */
  readonly updates: number;
  /** DeltaGossip messages sent (one per receiver and batch). */
  readonly deltaGossipsSent: number;
  /** Bytes of envelopes sent in DeltaGossip, summed over receivers. */
  readonly deltaGossipBytes: number;
  /** Bytes of envelopes sent for anti-entropy (StateGossip), summed over receivers. */
  readonly stateGossipBytes: number;
  /** Bytes of envelopes sent in Write messages of updates above "local", summed over receivers. */
  readonly writeBytes: number;
  /** Values from other nodes that could not be merged (undecodable, or another type under the key); each is logged. */
  readonly rejected: number;
}

type MutableStats = { -readonly [K in keyof ReplicatorStats]: ReplicatorStats[K] };

/** What a ReplicatorNode works with. */
export interface NodeParts {
  readonly selfName: string;
  readonly selfNode: string;
  readonly peers: Peers;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly settings: ReplicatorSettings;
}

/**
 * One node's replicator: its replicas, the deltas it has not gossiped yet, and the protocol (writes and reads at a
 * consistency, delta gossip, anti-entropy). Every method runs to completion synchronously except the waits of
 * update/get/delete for other nodes, so the endpoint actor and user calls may interleave freely.
 */
export class ReplicatorNode {
  readonly store: ReplicaStore;
  readonly subscriptions: Subscriptions;
  /** key → the merge of the deltas (or the tombstone) of local changes not gossiped yet. */
  private readonly pending = new Map<string, Replicated>();
  private readonly counts: MutableStats = {
    keys: 0,
    updates: 0,
    deltaGossipsSent: 0,
    deltaGossipBytes: 0,
    stateGossipBytes: 0,
    writeBytes: 0,
    rejected: 0,
  };
  private chunkCursor = 0;

  constructor(private readonly parts: NodeParts) {
    this.subscriptions = new Subscriptions(parts.clock, parts.settings.notifyIntervalMs, (key) => this.store.get(key)?.value);
    this.store = new ReplicaStore((key) => this.subscriptions.changed(key));
  }

  /** A snapshot of the counters. */
  stats(): ReplicatorStats {
    return { ...this.counts, keys: this.store.size };
  }

  /** Applies a local update (see Replicator.update) and replicates it at `consistency`. */
  async update<T extends Crdt>(
    key: string,
    initial: T,
    modify: (value: T, node: string) => T,
    consistency: Consistency,
    timeoutMs: number,
  ): Promise<T> {
    const current = this.store.get(key);
    if (current?.value instanceof Deleted) throw new KeyDeletedError(key);
    if (current !== undefined && current.value.type !== initial.type)
      throw new CrdtTypeMismatchError(current.value.type, initial.type, `the initial value of key ${JSON.stringify(key)}`);
    const base = (current?.value as T | undefined) ?? withoutDelta(initial);
    const next = modify(base, this.parts.selfNode);
    if (typeof next !== "object" || next === null || (next as Partial<Crdt>).type !== base.type)
      throw new CrdtTypeMismatchError(
        base.type,
        String((next as Partial<Crdt> | null)?.type ?? typeof next),
        `the value modify returned for key ${JSON.stringify(key)}`,
      );
    const stored = withoutDelta(next);
    const delta = current === undefined ? stored : isDeltaCrdt(next) ? next.delta : next === base ? undefined : next;
    if (delta === undefined) return stored;
    const pruning = current?.pruning;
    this.store.put(key, envelopeOf(stored, pruning));
    this.changedLocally(key, delta);
    if (consistency !== "local") {
      const bytes = encodeEnvelope(key, envelopeOf(this.parts.settings.deltas ? delta : stored, pruning));
      await this.replicate("update", key, bytes, consistency, timeoutMs);
    }
    return stored;
  }

  /** Deletes `key` (see Replicator.delete). */
  async delete(key: string, consistency: Consistency, timeoutMs: number): Promise<void> {
    const current = this.store.get(key);
    const tombstone = envelopeOf(Deleted.instance, current?.pruning);
    if (!(current?.value instanceof Deleted)) {
      this.store.put(key, tombstone);
      this.changedLocally(key, Deleted.instance);
    }
    if (consistency !== "local") await this.replicate("delete", key, encodeEnvelope(key, tombstone), consistency, timeoutMs);
  }

  /** Reads `key` (see Replicator.get): merges the answers of the nodes `consistency` needs into this node's replica. */
  async get<T extends Crdt>(key: string, consistency: Consistency, timeoutMs: number): Promise<T | undefined> {
    if (consistency !== "local") {
      const { candidates, need } = this.plan("get", key, consistency, timeoutMs);
      const read: Read = create(ReadSchema, { key });
      const outcome = await gather<ReadResult>({
        candidates,
        needed: need,
        timeoutMs,
        clock: this.parts.clock,
        ask: (member, left) => this.parts.peers.pid(member).ask<ReadResult>(read, { timeoutMs: left }),
        accept: (answer, member) => this.acceptRead(key, answer, member),
      });
      if (!outcome.ok)
        throw new ConsistencyNotMetError(
          "get",
          key,
          1 + outcome.counted,
          need + 1,
          describeConsistency(consistency),
          timeoutMs,
          outcome.lastError,
        );
    }
    const value = this.store.get(key)?.value;
    if (value instanceof Deleted) throw new KeyDeletedError(key);
    return value as T | undefined;
  }

  // ---- messages from other nodes (the endpoint actor calls these) ----

  /** Merges another node's gossiped deltas. */
  receiveDeltas(message: DeltaGossip): void {
    for (const bytes of message.envelopes) this.mergeFrom(message.from, bytes);
  }

  /** Merges a Write and says whether it could. */
  receiveWrite(message: Write): WriteAck {
    try {
      this.store.mergeBytes(message.envelope);
      return writeAck();
    } catch (error) {
      this.reject(message.from, error);
      return writeAck(error);
    }
  }

  /** This node's envelope of a key, for a Read. */
  receiveRead(message: Read): ReadResult {
    return readResult(this.store.bytes(message.key));
  }

  /** Answers another node's digests with what differs (see anti-entropy.ts). */
  receiveStatus(message: Status): void {
    const { envelopes, wanted } = answerStatus(this.store, message);
    if (envelopes.length === 0 && wanted.length === 0) return;
    this.sendState(message.from, envelopes, wanted);
  }

  /** Merges another node's full states, and sends back the keys it asked for. */
  receiveState(message: StateGossip): void {
    for (const bytes of message.envelopes) this.mergeFrom(message.from, bytes);
    if (message.wanted.length === 0) return;
    const envelopes: Uint8Array[] = [];
    for (const key of message.wanted) {
      const bytes = this.store.bytes(key);
      if (bytes !== undefined) envelopes.push(bytes);
    }
    if (envelopes.length > 0) this.sendState(message.from, envelopes, []);
  }

  // ---- timers ----

  /** Sends the changes since the previous tick to every other live member (the gossip tick). */
  gossip(): void {
    if (this.pending.size === 0) return;
    const envelopes: Uint8Array[] = [];
    for (const [key, delta] of this.pending) {
      const envelope = this.store.get(key);
      if (envelope === undefined) continue;
      envelopes.push(
        this.parts.settings.deltas && !(envelope.value instanceof Deleted)
          ? encodeEnvelope(key, envelopeOf(delta, envelope.pruning))
          : (this.store.bytes(key) as Uint8Array),
      );
    }
    this.pending.clear();
    const others = this.parts.peers.others();
    if (others.length === 0) return;
    const messages = batches(envelopes, this.parts.settings.maxGossipBytes).map((batch) => deltaGossip(this.parts.selfName, batch));
    for (const member of others) {
      const pid = this.parts.peers.pid(member);
      for (const message of messages) {
        pid.tell(message);
        this.counts.deltaGossipsSent++;
        for (const bytes of message.envelopes) this.counts.deltaGossipBytes += bytes.length;
      }
    }
  }

  /** Tells the digests of the next chunk of keys to one random member (the anti-entropy tick). */
  antiEntropy(): void {
    const member = this.parts.peers.random();
    if (member === undefined) return;
    const total = chunksFor(this.store.size, this.parts.settings.maxDigestsPerStatus);
    this.sendStatus(member, this.chunkCursor++ % total, total);
  }

  /** Tells every chunk's digests to `member` (a member that just joined, so both sides catch up at once). */
  syncWith(member: ClusterMember): void {
    const total = chunksFor(this.store.size, this.parts.settings.maxDigestsPerStatus);
    for (let chunk = 0; chunk < total; chunk++) this.sendStatus(member, chunk, total);
  }

  /** Stops notifying subscribers. */
  close(): void {
    this.subscriptions.close();
  }

  // ---- helpers ----

  private changedLocally(key: string, delta: Replicated): void {
    this.counts.updates++;
    const before = this.pending.get(key);
    this.pending.set(key, before === undefined ? delta : mergeReplicated(before, delta, `key ${JSON.stringify(key)}`));
  }

  private plan(operation: ReplicatorOperation, key: string, consistency: Consistency, timeoutMs: number) {
    const candidates = this.parts.peers.ordered();
    const need = needed(consistency, candidates.length + 1) - 1;
    if (need > candidates.length)
      throw new ConsistencyNotMetError(operation, key, 1, need + 1, describeConsistency(consistency), timeoutMs);
    return { candidates, need };
  }

  private async replicate(operation: ReplicatorOperation, key: string, bytes: Uint8Array, consistency: Consistency, timeoutMs: number) {
    const { candidates, need } = this.plan(operation, key, consistency, timeoutMs);
    const write: Write = create(WriteSchema, { from: this.parts.selfName, envelope: bytes });
    const outcome = await gather<WriteAck>({
      candidates,
      needed: need,
      timeoutMs,
      clock: this.parts.clock,
      ask: (member, left) => {
        this.counts.writeBytes += bytes.length;
        return this.parts.peers.pid(member).ask<WriteAck>(write, { timeoutMs: left });
      },
      accept: (answer) => answer.ok === true,
    });
    if (!outcome.ok)
      throw new ConsistencyNotMetError(
        operation,
        key,
        1 + outcome.counted,
        need + 1,
        describeConsistency(consistency),
        timeoutMs,
        outcome.lastError,
      );
  }

  private acceptRead(key: string, answer: ReadResult, member: ClusterMember): boolean {
    if (answer.ok !== true) return false;
    if (answer.envelope.length === 0) return true;
    return this.mergeFrom(member.name, answer.envelope, key);
  }

  /** Merges bytes from `from`; false (and a log line) when they cannot be merged or are not of `expectedKey`. */
  private mergeFrom(from: string, bytes: Uint8Array, expectedKey?: string): boolean {
    try {
      const { key } = this.store.mergeBytes(bytes, expectedKey);
      return expectedKey === undefined || key === expectedKey;
    } catch (error) {
      this.reject(from, error);
      return false;
    }
  }

  private reject(from: string, error: unknown): void {
    this.counts.rejected++;
    this.parts.logger.warn({ from, err: error }, "replicator: dropped a value from another node that cannot be merged");
  }

  private sendStatus(member: ClusterMember, chunk: number, total: number): void {
    this.parts.peers.pid(member).tell(statusOf(this.store, this.parts.selfName, chunk, total));
  }

  private sendState(to: string, envelopes: Uint8Array[], wanted: string[]): void {
    const member = this.parts.peers.named(to);
    if (member === undefined) return;
    const pid = this.parts.peers.pid(member);
    const parts = batches(envelopes, this.parts.settings.maxGossipBytes);
    if (parts.length === 0) parts.push([]);
    parts.forEach((batch, i) => {
      for (const bytes of batch) this.counts.stateGossipBytes += bytes.length;
      pid.tell(stateGossip(this.parts.selfName, batch, i === 0 ? wanted : []));
    });
  }
}
