import { create } from "@bufbuild/protobuf";
import type { Logger } from "@tsakt/actor";
import { sleep, type TimerHandle } from "@tsakt/actor/internal";
import {
  type ClusterMessage,
  HandoffReplySchema,
  HandoffRequestSchema,
  LookupResultSchema,
  type Member,
  NotPrimarySchema,
  PutResultSchema,
  type RegistryEntry,
  RegistryEntrySchema,
  RemoveResultSchema,
  ReplicatedSchema,
  ReplicateSchema,
  WriteFailedSchema,
} from "./gen/tsakt/cluster/v1/cluster_pb.js";
import { isLive } from "./member.js";
import type { Membership } from "./membership.js";
import type { MessageBody, Messenger } from "./messenger.js";
import type { ClusterSettings } from "./options.js";
import { conflicts, PartitionStore } from "./partition-store.js";
import { PartitionTable } from "./partition-table.js";
import type { ClusterReply } from "./transport.js";

/** Called with the entries whose owner died or left, each reported once, on the node that is its partition's primary. */
export type OwnerLostListener = (entries: RegistryEntry[]) => void;

/**
 * Called when merging copies found two owners for one key (after a healed partition): `kept` won (the last writer),
 * `lost` was dropped. Every node that merges the two copies reports it once, so it may fire on several nodes.
 */
export type ConflictListener = (kept: RegistryEntry, lost: RegistryEntry) => void;

/** What the replica needs from the cluster. */
export interface ReplicaContext {
  readonly settings: ClusterSettings;
  readonly membership: Membership;
  readonly messenger: Messenger;
  readonly logger: Logger;
  /** Brings the partition table in line with membership now. */
  refreshView(): void;
  /** Listeners of entries whose owner died or left (owned by the cluster, so they can be added before start). */
  readonly ownerLost: ReadonlySet<OwnerLostListener>;
  /**
   * True for a lost owner's entry that stays registered, naming the lost owner, until a survivor re-creates what it
   * names and writes itself over it (relocatable actors and singletons): a relocating node that dies too leaves the
   * entry for the next primary to report again, instead of taking the name with it.
   */
  keepsWhenLost(entry: RegistryEntry): boolean;
  /** Listeners of conflicting copies found while merging. */
  readonly conflicts: ReadonlySet<ConflictListener>;
}

const registryCases: ReadonlySet<string> = new Set(["put", "lookup", "remove", "replicate", "handoffRequest"]);
const emptyBytes = new Uint8Array(0);
const noop = (): void => {};

/**
 * This node's share of the partitioned registry: the partitions it holds as primary or backup, the primary's
 * put-if-absent / lookup / remove, replication to backups before acknowledging, and hand-off when membership changes
 * (a new primary pulls every copy before serving; a former primary pushes its copy to the new one).
 */
export class RegistryReplica {
  /** The current partition table (members alive or suspect). */
  table: PartitionTable;
  readonly store: PartitionStore;
  private readonly syncing = new Map<number, { promise: Promise<void>; resolve: () => void }>();
  private readonly inFlight = new Map<string, Promise<void>>();
  private readonly reported = new Set<string>();
  /** Kept lost-owner entries this node reported (key to version), so a later purge does not report them again. */
  private readonly reportedLost = new Map<string, number>();
  private leavingTable: PartitionTable | undefined = undefined;
  private lastVersion = 0;
  private active = false;
  private purgesHeldUntil = 0;
  private purgeTimer: TimerHandle | undefined = undefined;
  private tableChangedAt = 0;
  /** The run (uid) of each member of the table, to notice a member that restarted under its name. */
  private runs = new Map<string, string>();

  constructor(private readonly ctx: ReplicaContext) {
    const { partitions, replicaCount } = ctx.settings;
    this.table = new PartitionTable([], partitions, replicaCount);
    this.store = new PartitionStore(partitions);
  }

  private get me(): string {
    return this.ctx.membership.self.member?.name ?? "";
  }

  /** The member this node would send a request about partition `p` to. */
  primaryName(p: number): string | undefined {
    return (this.leavingTable ?? this.table).primary(p);
  }

  /** True when this node serves partition `p` as its primary. */
  isPrimary(p: number): boolean {
    return this.leavingTable === undefined && this.table.primary(p) === this.me;
  }

  /** Handles a registry message; false when the message is not one. */
  handle(message: ClusterMessage, reply: ClusterReply | undefined): boolean {
    if (!registryCases.has(message.body.case ?? "")) return false;
    this.serve(message.body, message.from?.name).then(
      (body) => reply?.(this.ctx.messenger.message(body)),
      (error: unknown) => this.ctx.logger.error({ err: error, op: message.body.case }, "registry request failed"),
    );
    return true;
  }

  /** Serves a registry request addressed to this node, from member `from` (or from this node's own client). */
  async serve(body: MessageBody, from = ""): Promise<MessageBody> {
    switch (body.case) {
      case "put":
        // A put without a key answers nothing, which the sender treats as a failed attempt.
        return body.value.entry === undefined || body.value.entry.key === "" ? { case: undefined } : this.put(body.value.entry, from);
      case "lookup":
        return this.lookup(body.value.key, body.value.anyHolder);
      case "remove":
        return this.remove(body.value.key, body.value.owner, from);
      case "replicate":
        if (body.value.write && !this.primaryInMyView(body.value.entries, from))
          return { case: "replicated", value: create(ReplicatedSchema, { refused: true }) };
        await this.absorb(body.value.entries, true, from);
        return { case: "replicated", value: create(ReplicatedSchema) };
      case "handoffRequest": {
        // The requester is a live member here (the inbox verified a new one first): bring the table in line with it,
        // so this node stops serving partitions it just lost before answering.
        this.ctx.refreshView();
        const entries = body.value.partitions.flatMap((p) => this.store.entries(p));
        return { case: "handoffReply", value: create(HandoffReplySchema, { entries }) };
      }
      default:
        return { case: undefined };
    }
  }

  /**
   * Starts serving once this node has joined (before, its table is empty and requests are redirected): from then
   * on it follows membership, and first pulls every copy of the partitions it leads, as any new primary does.
   */
  activate(): void {
    this.active = true;
    this.viewChanged();
  }

  /** Recomputes the partition table after a membership change, hands partitions over, and drops departed owners' entries. */
  viewChanged(): void {
    if (!this.active) return;
    const live = this.ctx.membership.live();
    const names = live.map((s) => s.member?.name ?? "");
    // A member whose run changed (restarted under its name before its old run was removed) holds nothing, though
    // the table by names did not change: it gets every copy it should hold, as a new member would.
    const runs = new Map(live.map((s) => [s.member?.name ?? "", s.member?.uid ?? ""]));
    const renewed = new Set(names.filter((n) => this.runs.has(n) && this.runs.get(n) !== runs.get(n)));
    this.runs = runs;
    const old = this.table;
    const changed = !sameMembers(old.members, names);
    if (changed || renewed.size > 0) {
      const table = changed ? new PartitionTable(names, old.partitions, old.replicaCount) : old;
      this.table = table;
      this.tableChangedAt = this.ctx.settings.clock.now();
      const me = this.me;
      const gained: number[] = [];
      const pushes = new Map<string, number[]>();
      for (let p = 0; p < table.partitions; p++) {
        const was = old.primary(p) === me;
        const is = table.primary(p) === me;
        if (is && !was) {
          gained.push(p);
        } else if (is) {
          for (const b of table.backups(p)) if (!old.holds(p, b) || renewed.has(b)) add(pushes, b, p);
        } else if (was || renewed.has(table.primary(p) ?? "")) {
          add(pushes, table.primary(p), p);
        }
      }
      if (gained.length > 0) void this.takeOver(gained);
      for (const [member, partitions] of pushes) void this.push(member, partitions);
    }
    this.purge(this.readyPrimaryPartitions());
  }

  /**
   * Defers purging departed owners' entries for `ms`: a member came back from the dead (a healed partition), and
   * until the others' comebacks reach this node too, owners it still holds dead are in fact alive.
   */
  holdPurges(ms: number): void {
    const clock = this.ctx.settings.clock;
    const until = clock.now() + ms;
    if (until <= this.purgesHeldUntil) return;
    this.purgesHeldUntil = until;
    if (this.purgeTimer !== undefined) clock.clearTimeout(this.purgeTimer);
    this.purgeTimer = clock.setTimeout(() => this.purge(this.readyPrimaryPartitions()), ms);
  }

  /** Cancels the deferred purge. */
  stop(): void {
    if (this.purgeTimer !== undefined) this.ctx.settings.clock.clearTimeout(this.purgeTimer);
  }

  /** Before leaving: serves nothing more and pushes the partitions this node leads to their next primaries. */
  async leave(): Promise<void> {
    const others = this.ctx.membership
      .live()
      .map((s) => s.member?.name ?? "")
      .filter((n) => n !== this.me);
    const next = new PartitionTable(others, this.table.partitions, this.table.replicaCount);
    // From here on requests are redirected to the next primaries; writes already accepted finish first.
    this.leavingTable = next;
    await Promise.all(this.inFlight.values());
    const pushes = new Map<string, number[]>();
    for (const p of this.store.partitionsHeld()) if (this.table.primary(p) === this.me) add(pushes, next.primary(p), p);
    await Promise.all([...pushes].map(([member, partitions]) => this.push(member, partitions)));
  }

  /** Forgets old tombstones, and partitions this node stopped holding a while ago (after others could pull them). */
  sweep(now: number): void {
    this.store.sweepTombstones(now - this.ctx.settings.tombstoneTtlMs);
    for (const [key, version] of this.reportedLost) if (this.store.get(key)?.version !== version) this.reportedLost.delete(key);
    this.reported.clear();
    if (now - this.tableChangedAt <= 2 * this.ctx.settings.handoffTimeoutMs) return;
    for (const p of this.store.partitionsHeld()) if (!this.table.holds(p, this.me) && !this.syncing.has(p)) this.store.drop(p);
  }

  // ---- primary operations ----

  private async put(entry: RegistryEntry, from: string): Promise<MessageBody> {
    const p = this.table.partitionOf(entry.key);
    const giveUpAt = this.requesterGivesUpAt(from);
    // Checked again right after every wait, with no await between the check and what follows: writes of one key are
    // serialized, and nobody reads a write that is not acknowledged yet.
    while (this.busy(p, entry.key)) await this.pending(p, entry.key);
    if (this.ctx.settings.clock.now() >= giveUpAt) return { case: undefined };
    if (!this.isPrimary(p)) return this.notPrimary(p);
    const current = this.store.get(entry.key);
    if (current !== undefined && !current.removed && !current.orphaned && !this.ownerGone(current))
      return { case: "putResult", value: create(PutResultSchema, { created: false, entry: current }) };
    const stored = create(RegistryEntrySchema, {
      key: entry.key,
      owner: entry.owner,
      ownerUid: entry.ownerUid,
      ownerStartedAtMs: entry.ownerStartedAtMs,
      kind: entry.kind,
      data: entry.data,
      version: this.nextVersion(current?.version ?? 0),
    });
    this.store.set(stored);
    const failed = await this.commit(p, entry.key, stored, current);
    return failed ?? { case: "putResult", value: create(PutResultSchema, { created: true, entry: stored }) };
  }

  private async lookup(key: string, anyHolder: boolean): Promise<MessageBody> {
    if (!anyHolder) {
      const p = this.table.partitionOf(key);
      // Checked again right after every wait, with no await between the check and what follows: writes of one key are
      // serialized, and nobody reads a write that is not acknowledged yet.
      while (this.busy(p, key)) await this.pending(p, key);
      if (!this.isPrimary(p)) return this.notPrimary(p);
    }
    const entry = this.store.get(key);
    return { case: "lookupResult", value: create(LookupResultSchema, entry === undefined || entry.removed ? {} : { entry }) };
  }

  private async remove(key: string, owner: string, from: string): Promise<MessageBody> {
    const p = this.table.partitionOf(key);
    const giveUpAt = this.requesterGivesUpAt(from);
    // Checked again right after every wait, with no await between the check and what follows: writes of one key are
    // serialized, and nobody reads a write that is not acknowledged yet.
    while (this.busy(p, key)) await this.pending(p, key);
    if (this.ctx.settings.clock.now() >= giveUpAt) return { case: undefined };
    if (!this.isPrimary(p)) return this.notPrimary(p);
    const current = this.store.get(key);
    if (current === undefined || current.removed || (owner !== "" && current.owner !== owner))
      return { case: "removeResult", value: create(RemoveResultSchema, { removed: false }) };
    const tombstone = this.tombstone(current);
    this.store.set(tombstone);
    const failed = await this.commit(p, key, tombstone, current);
    return failed ?? { case: "removeResult", value: create(RemoveResultSchema, { removed: true }) };
  }

  /**
   * True when `from` is the primary of every entry's partition in this node's view. A primary whose view lacks
   * members (it just joined, or rejoined through part of the cluster) may pick itself and backups that the full view
   * does not: the backups that know better refuse, so its write fails instead of claiming what the real primary holds.
   */
  private primaryInMyView(entries: readonly RegistryEntry[], from: string): boolean {
    return this.active && from !== "" && entries.every((e) => this.table.primary(this.table.partitionOf(e.key)) === from);
  }

  /**
   * When the member that sent a write (`from`; "" for this node's own client, which waits as long as it takes) has
   * given up on its request: requestTimeoutMs after it arrived. A write still waiting behind others by then is
   * dropped unapplied (answered with nothing), so a caller that was told its write failed does not find it applied
   * later by a request that was queued here.
   */
  private requesterGivesUpAt(from: string): number {
    return from === "" ? Number.POSITIVE_INFINITY : this.ctx.settings.clock.now() + this.ctx.settings.requestTimeoutMs;
  }

  /** True when partition `p` is being handed off or a write of `key` is in flight. */
  private busy(p: number, key: string): boolean {
    return this.syncing.has(p) || this.inFlight.has(key);
  }

  /** What to wait for before touching `key`: partition `p`'s hand-off, else the write of `key` in flight. */
  private pending(p: number, key: string): Promise<void> | undefined {
    return this.syncing.get(p)?.promise ?? this.inFlight.get(key);
  }

  /**
   * Replicates the primary's write `written` of `key` to the partition's backups and waits for the write quorum.
   * Short of it, the write is undone here and at the backups (a newer version restoring `previous`), and the
   * WriteFailed answer is returned; undefined when the write is acknowledged. The write counts as in flight until then.
   */
  private async commit(
    p: number,
    key: string,
    written: RegistryEntry,
    previous: RegistryEntry | undefined,
  ): Promise<MessageBody | undefined> {
    const work = (async (): Promise<MessageBody | undefined> => {
      const { acked, needed } = await this.replicate(p, [written], true);
      if (acked.length + 1 >= needed) return undefined;
      const undo = create(RegistryEntrySchema, {
        ...(previous ?? written),
        ...(previous === undefined ? { data: emptyBytes, removed: true } : {}),
        version: this.nextVersion(written.version),
      });
      this.store.set(undo);
      // Every backup gets the undo, not only those that acknowledged: a replicate that timed out may still arrive
      // late, and the undo's newer version must win there too.
      const backups = this.table.backups(p).filter((name) => name !== this.me);
      await Promise.all(backups.map((name) => this.send(name, [undo])));
      return {
        case: "writeFailed",
        value: create(WriteFailedSchema, { key, acks: acked.length + 1, needed, reason: "backups unreachable" }),
      };
    })();
    const done = work.then(noop, noop);
    this.inFlight.set(key, done);
    try {
      return await work;
    } finally {
      if (this.inFlight.get(key) === done) this.inFlight.delete(key);
    }
  }

  private notPrimary(p: number): MessageBody {
    return { case: "notPrimary", value: create(NotPrimarySchema, { primary: this.primaryName(p) ?? "" }) };
  }

  // ---- replication and hand-off ----

  /**
   * Sends `entries` of partition `p` to its backups and waits for them (each up to handoffTimeoutMs); returns the
   * backups that stored them and the copies (primary included) the write quorum needs. A `write` is refused by a
   * backup that does not see this node as the primary (an undo is not a write: it must land wherever the write did).
   */
  private async replicate(p: number, entries: RegistryEntry[], write = false): Promise<{ acked: string[]; needed: number }> {
    const backups = this.table.backups(p).filter((name) => name !== this.me);
    const results = await Promise.all(backups.map((name) => this.send(name, entries, write)));
    const q = this.ctx.settings.writeQuorum;
    const needed = q === "all" ? backups.length + 1 : Math.min(q, backups.length + 1);
    return { acked: backups.filter((_, i) => results[i]), needed };
  }

  /** Sends every entry this node holds of `partitions` to `member`. */
  private async push(member: string, partitions: number[]): Promise<void> {
    const entries = partitions.flatMap((p) => this.store.entries(p));
    if (entries.length > 0) await this.send(member, entries);
  }

  /** Sends `entries` to member `name` (as a primary's `write` or not); true when it stored them. */
  private async send(name: string, entries: RegistryEntry[], write = false): Promise<boolean> {
    const state = this.ctx.membership.get(name);
    if (state === undefined || !isLive(state) || name === this.me) return false;
    try {
      const reply = await this.ctx.messenger.request(
        state.member as Member,
        { case: "replicate", value: create(ReplicateSchema, { entries, write }) },
        this.ctx.settings.handoffTimeoutMs,
      );
      return reply.body.case === "replicated" && !reply.body.value.refused;
    } catch (error) {
      // Not a fault by itself: a write short of its quorum fails on its own, and hand-offs repeat when membership settles.
      this.ctx.logger.debug({ err: error, member: name, entries: entries.length }, "registry replication to a member failed");
      return false;
    }
  }

  /** As a new primary of `partitions`: pulls every other member's copy, merges, then serves and refreshes backups. */
  private async takeOver(partitions: number[]): Promise<void> {
    for (const p of partitions) {
      if (this.syncing.has(p)) continue;
      let resolve!: () => void;
      const promise = new Promise<void>((r) => (resolve = r));
      this.syncing.set(p, { promise, resolve });
    }
    const { membership, messenger, settings } = this.ctx;
    const request = create(HandoffRequestSchema, { partitions, requester: membership.self });
    // A node that just joined or rejoined may know only part of the cluster: members others named but it has not met
    // yet may hold the only copies. It pulls from each member as it meets them, until none is only named (or for
    // twice handoffTimeoutMs), before it serves: serving earlier could answer "absent" for a key that exists.
    const asked = new Set<string>([this.me]);
    const until = settings.clock.now() + 2 * settings.handoffTimeoutMs;
    for (;;) {
      const others = membership.live().filter((s) => !asked.has(s.member?.name ?? ""));
      for (const s of others) asked.add(s.member?.name ?? "");
      await Promise.all(
        others.map(async (s) => {
          try {
            const reply = await messenger.request(
              s.member as Member,
              { case: "handoffRequest", value: request },
              settings.handoffTimeoutMs,
            );
            if (reply.body.case === "handoffReply") await this.absorb(reply.body.value.entries, false);
          } catch (error) {
            this.ctx.logger.debug({ err: error, member: s.member?.name }, "no hand-off from a member; serving without its copy");
          }
        }),
      );
      const unmet = membership.rumored().length > 0 || membership.live().some((s) => !asked.has(s.member?.name ?? ""));
      if (!unmet || settings.clock.now() >= until || !this.active) break;
      await sleep(settings.clock, Math.min(100, settings.handoffTimeoutMs));
    }
    const ready: number[] = [];
    for (const p of partitions) {
      const sync = this.syncing.get(p);
      this.syncing.delete(p);
      sync?.resolve();
      if (this.isPrimary(p)) ready.push(p);
    }
    this.purge(ready);
    const pushes = new Map<string, number[]>();
    for (const p of ready) for (const b of this.table.backups(p)) add(pushes, b, p);
    await Promise.all([...pushes].map(([member, ps]) => this.push(member, ps)));
  }

  /**
   * Merges copies from other nodes (last writer wins); two live copies with different owners are reported.
   * With `forward` (a Replicate from `from`): where this node is the ready primary, what changed goes on to the
   * backups; where it is not, what changed goes on to the primary, unless the primary sent it. That way a copy
   * pushed to a node that is no longer primary still reaches the one that is. Nothing is purged here: a copy
   * arriving from elsewhere may name an owner the sender knows is back, which this node has not heard yet.
   */
  private async absorb(entries: readonly RegistryEntry[], forward: boolean, from = ""): Promise<void> {
    const toBackups = new Map<number, RegistryEntry[]>();
    const toPrimaries = new Map<string, RegistryEntry[]>();
    for (const entry of entries) {
      if (entry.version > this.lastVersion) this.lastVersion = entry.version;
      const { applied, previous } = this.store.merge(entry);
      const p = this.table.partitionOf(entry.key);
      const primary = this.table.primary(p);
      if (previous !== undefined && conflicts(entry, previous)) {
        if (applied) this.report(entry, previous);
        else this.report(previous, entry);
      }
      if (!applied || !forward) continue;
      if (primary === this.me) append(toBackups, p, entry);
      else if (primary !== undefined && primary !== from) append(toPrimaries, primary, entry);
    }
    if (!forward) return;
    const ready = [...toBackups.keys()].filter((p) => this.isPrimary(p) && !this.syncing.has(p));
    await Promise.all([
      ...ready.map((p) => this.replicate(p, toBackups.get(p) as RegistryEntry[])),
      ...[...toPrimaries].map(([member, list]) => this.send(member, list)),
    ]);
  }

  /**
   * Removes (as primary) the entries of `partitions` whose owner died or left, and reports them once. Runs when
   * membership changes (a death is learned, a partition taken over) and when a hold after a comeback ends.
   */
  private purge(partitions: number[]): void {
    if (this.ctx.settings.clock.now() < this.purgesHeldUntil) return;
    const lost: RegistryEntry[] = [];
    const orphans: RegistryEntry[] = [];
    for (const p of partitions) {
      if (!this.isPrimary(p) || this.syncing.has(p)) continue;
      const writes: RegistryEntry[] = [];
      for (const entry of this.store.entries(p)) {
        if (entry.orphaned && !entry.removed) {
          if (this.reportedLost.get(entry.key) !== entry.version) orphans.push(entry);
          continue;
        }
        if (entry.removed || !this.ctx.membership.isGone(entry.owner, entry.ownerUid, entry.ownerStartedAtMs)) continue;
        if (this.ctx.keepsWhenLost(entry)) {
          // Marked orphaned (a new version, replicated like a tombstone), so a primary that never met the owner
          // knows it too; reported below with the entries already marked.
          const orphan = create(RegistryEntrySchema, { ...entry, orphaned: true, version: this.nextVersion(entry.version) });
          this.store.set(orphan);
          writes.push(orphan);
          continue;
        }
        const tombstone = this.tombstone(entry);
        this.store.set(tombstone);
        writes.push(tombstone);
        lost.push(entry);
      }
      if (writes.length > 0) void this.replicate(p, writes);
      for (const written of writes) if (written.orphaned) orphans.push(written);
    }
    for (const orphan of orphans) {
      this.reportedLost.set(orphan.key, orphan.version);
      lost.push(orphan);
    }
    if (lost.length === 0) return;
    for (const listener of [...this.ctx.ownerLost]) {
      try {
        listener(lost);
      } catch (error) {
        this.ctx.logger.error({ err: error }, "registry owner-lost listener threw");
      }
    }
  }

  /**
   * True when the primary may write over `entry` as if it were absent: its owner is gone (the same rule as purging,
   * also held after a comeback), so a put is an atomic purge-and-claim: of two survivors relocating one name, one wins.
   */
  private ownerGone(entry: RegistryEntry): boolean {
    return (
      this.ctx.settings.clock.now() >= this.purgesHeldUntil &&
      this.ctx.membership.isGone(entry.owner, entry.ownerUid, entry.ownerStartedAtMs)
    );
  }

  private report(kept: RegistryEntry, lost: RegistryEntry): void {
    // Several members may send the same losing copy; report it once.
    const id = `${lost.key}\u0000${lost.ownerUid}\u0000${lost.version}`;
    if (this.reported.has(id)) return;
    this.reported.add(id);
    for (const listener of [...this.ctx.conflicts]) {
      try {
        listener(kept, lost);
      } catch (error) {
        this.ctx.logger.error({ err: error }, "registry conflict listener threw");
      }
    }
  }

  private readyPrimaryPartitions(): number[] {
    const out: number[] = [];
    for (let p = 0; p < this.table.partitions; p++) if (this.isPrimary(p) && !this.syncing.has(p)) out.push(p);
    return out;
  }

  private tombstone(entry: RegistryEntry): RegistryEntry {
    return create(RegistryEntrySchema, { ...entry, data: emptyBytes, removed: true, version: this.nextVersion(entry.version) });
  }

  /** A version above every version this node has seen and above the clock (a hybrid logical clock, in ms). */
  private nextVersion(previous: number): number {
    const version = Math.max(this.ctx.settings.clock.now(), this.lastVersion + 1, previous + 1);
    this.lastVersion = version;
    return version;
  }
}

function add(map: Map<string, number[]>, member: string | undefined, p: number): void {
  if (member !== undefined) append(map, member, p);
}

function append<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list === undefined) map.set(key, [value]);
  else list.push(value);
}

function sameMembers(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  const set = new Set(a);
  return b.every((n) => set.has(n));
}
