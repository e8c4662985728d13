// A few RegistryReplicas wired together in-process: each gets a ReplicaContext whose membership is a plain view
// (names the test sets) and whose messenger calls the other replica's serve() directly, on one TestClock. Tests
// drive viewChanged, sweep and serve themselves and can hold a request or cut a member off, to race writes with
// hand-offs without whole nodes.
import { create } from "@bufbuild/protobuf";
import type { Logger, TimerHandle } from "@tsakt/actor";
import { TestClock } from "@tsakt/testkit";
import {
  type ClusterMessage,
  ClusterMessageSchema,
  LookupSchema,
  type Member,
  MemberSchema,
  type MemberState,
  MemberStateSchema,
  MemberStatus,
  PutSchema,
  type RegistryEntry,
  RegistryEntrySchema,
  RemoveSchema,
} from "../src/gen/tsakt/cluster/v1/cluster_pb.js";
import type { Membership } from "../src/membership.js";
import type { MessageBody, Messenger } from "../src/messenger.js";
import { type ClusterSettings, clusterDefaults } from "../src/options.js";
import { PartitionTable } from "../src/partition-table.js";
import { Registry } from "../src/registry.js";
import { RegistryReplica, type ReplicaContext } from "../src/registry-replica.js";

export const partitions = 8;

/** One request a replica sent: who to whom, and what. */
export interface SentRequest {
  readonly from: string;
  readonly to: string;
  readonly body: MessageBody;
}

/** One replica and what its context recorded. */
export interface WorldNode {
  readonly name: string;
  uid: string;
  readonly replica: RegistryReplica;
  /** The registry client of this node (what clusterOf(system).registry is), over its replica and messenger. */
  readonly registry: Registry;
  /** What the client's isRunning answers. Default: true. */
  running: boolean;
  /** Names this node sees as live members (itself included); set by the test, then call viewChanged. */
  view: string[];
  /** Names others mentioned that this node has not met. */
  rumored: string[];
  /** Each ownerLost call's entries. */
  readonly lost: RegistryEntry[][];
  /** Each conflict, as "kept <owner>, lost <owner>". */
  readonly conflicts: string[];
  /** Log entries at error level. */
  readonly errors: { obj: unknown; msg: string }[];
  /** Entries that stay (marked orphaned) when their owner is lost. */
  keepsWhenLost: (entry: RegistryEntry) => boolean;
  /** Called by refreshView (a hand-off request arrived); default: nothing. */
  onRefresh: () => void;
  /** When true, a first owner-lost and conflict listener throws (the recording ones come after it). */
  listenersThrow: boolean;
}

/** A key of partition `p` (the first `actor/k<i>` that falls in it). */
export function keyIn(p: number, skip = 0): string {
  let seen = 0;
  for (let i = 0; ; i++) {
    const key = `actor/k${i}`;
    if (PartitionTable.partitionOf(key, partitions) === p && seen++ === skip) return key;
  }
}

/** The registry request bodies a client sends. */
export const requests = {
  put: (key: string, owner: string, ownerUid = `${owner}-1`): MessageBody => ({
    case: "put",
    value: create(PutSchema, { entry: create(RegistryEntrySchema, { key, owner, ownerUid, kind: "Worker" }) }),
  }),
  lookup: (key: string, anyHolder = false): MessageBody => ({ case: "lookup", value: create(LookupSchema, { key, anyHolder }) }),
  remove: (key: string, owner = ""): MessageBody => ({ case: "remove", value: create(RemoveSchema, { key, owner }) }),
};

export class ReplicaWorld {
  readonly clock = new TestClock();
  readonly nodes = new Map<string, WorldNode>();
  /** Every request sent, in order. */
  readonly sent: SentRequest[] = [];
  /** Members whose requests never arrive (the sender's request times out on the clock). */
  readonly unreachable = new Set<string>();
  /** Runs of members that died or left. */
  readonly gone = new Set<string>();
  /** Members every node's membership already reports down, before the view (and table) follows. */
  readonly downed = new Set<string>();
  /** When set, a request waits for the promise it returns before it is delivered. */
  gate: ((request: SentRequest) => Promise<void> | undefined) | undefined;

  /** Holds every request `match` takes (through `gate`) until the returned release is called. */
  hold(match: (request: SentRequest) => boolean): () => void {
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    this.gate = (r) => (match(r) ? held : undefined);
    return release;
  }

  readonly settings: ClusterSettings;

  constructor(options: Partial<ClusterSettings> = {}) {
    this.settings = {
      ...clusterDefaults,
      partitions,
      replicaCount: 2,
      handoffTimeoutMs: 1000,
      tombstoneTtlMs: 10_000,
      ...options,
      clock: this.clock,
    } as ClusterSettings;
  }

  /** Adds replica `name` (not yet active), seeing `view` (default: every node so far and itself). */
  add(name: string, view?: string[]): WorldNode {
    const world = this;
    const errors: WorldNode["errors"] = [];
    const logger = {
      trace: () => {},
      debug: () => {},
      info: () => {},
      warn: () => {},
      error: (obj: unknown, msg: string) => errors.push({ obj, msg }),
      fatal: () => {},
      child: () => logger,
    } as unknown as Logger;
    const membership = {
      get self(): MemberState {
        return world.state(name);
      },
      live: (): MemberState[] => node.view.map((n) => world.state(n)),
      get: (n: string): MemberState | undefined =>
        !node.view.includes(n) ? undefined : world.downed.has(n) ? world.state(n, MemberStatus.DOWN) : world.state(n),
      isGone: (_n: string, uid: string): boolean => world.gone.has(uid),
      rumored: (): string[] => node.rumored,
    } as unknown as Membership;
    const messenger = {
      message: (body: MessageBody): ClusterMessage => create(ClusterMessageSchema, { from: world.member(name), body }),
      request: (to: Member, body: MessageBody, timeoutMs: number) => world.deliver({ from: name, to: to.name, body }, timeoutMs),
    } as unknown as Messenger;
    const ctx: ReplicaContext = {
      settings: this.settings,
      membership,
      messenger,
      logger,
      refreshView: () => node.onRefresh(),
      ownerLost: new Set([() => node.listenersThrow && fail("owner-lost"), (entries) => node.lost.push(entries)]),
      keepsWhenLost: (entry) => node.keepsWhenLost(entry),
      conflicts: new Set([
        () => node.listenersThrow && fail("conflict"),
        (kept, lost) => node.conflicts.push(`kept ${kept.owner}, lost ${lost.owner}`),
      ]),
    };
    const replica = new RegistryReplica(ctx);
    const node: WorldNode = {
      name,
      uid: `${name}-1`,
      replica,
      registry: new Registry(replica, membership, messenger, this.settings, () => node.running),
      running: true,
      view: view ?? [...this.nodes.keys(), name],
      rumored: [],
      lost: [],
      conflicts: [],
      errors,
      keepsWhenLost: () => false,
      onRefresh: () => {},
      listenersThrow: false,
    };
    this.nodes.set(name, node);
    return node;
  }

  node(name: string): WorldNode {
    const node = this.nodes.get(name);
    if (node === undefined) throw new Error(`no node ${name}`);
    return node;
  }

  /** Every node sees `names` (and itself) and recomputes its table. */
  see(names: string[]): void {
    for (const node of this.nodes.values()) {
      node.view = names.includes(node.name) ? [...names] : [...names, node.name];
      node.replica.viewChanged();
    }
  }

  /** The table every node agrees on for `names`. */
  table(names: string[]): PartitionTable {
    return new PartitionTable(names, partitions, this.settings.replicaCount);
  }

  /** Serves `body` at node `at` as if a client on `from` sent it; waits for the answer, running due timers. */
  async serve(at: string, body: MessageBody, from = ""): Promise<MessageBody> {
    return this.settle(this.node(at).replica.serve(body, from));
  }

  /** Waits for `promise`, moving the clock on in 100 ms steps (at most 60 s) so request timeouts can fire. */
  async settle<T>(promise: Promise<T>): Promise<T> {
    let done = false;
    promise.then(
      () => (done = true),
      () => (done = true),
    );
    for (let i = 0; i < 600 && !done; i++) await this.clock.advance(i === 0 ? 0 : 100);
    if (!done) throw new Error("not settled after 60 s of clock time");
    return promise;
  }

  /** Requests sent since index `from` (default: all), as "from>to case [partitions]". */
  describe(from = 0): string[] {
    return this.sent.slice(from).map((r) => {
      const parts =
        r.body.case === "replicate"
          ? r.body.value.entries.map((e) => PartitionTable.partitionOf(e.key, partitions))
          : r.body.case === "handoffRequest"
            ? r.body.value.partitions
            : [];
      return `${r.from}>${r.to} ${r.body.case} [${[...new Set(parts)].sort((a, b) => a - b).join(",")}]`;
    });
  }

  member(name: string): Member {
    const node = this.node(name);
    return create(MemberSchema, { name, uid: node.uid, startedAtMs: 1, host: "127.0.0.1", port: 1, system: "s" });
  }

  state(name: string, status = MemberStatus.ALIVE): MemberState {
    return create(MemberStateSchema, { member: this.member(name), status });
  }

  private async deliver(request: SentRequest, timeoutMs: number): Promise<ClusterMessage> {
    this.sent.push(request);
    let timer: TimerHandle | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = this.clock.setTimeout(() => reject(new Error(`request to ${request.to} timed out`)), timeoutMs);
    });
    // A request held by the gate past its timeout still arrives later, as a late message does.
    const answer = this.unreachable.has(request.to) ? timeout : this.arrive(request);
    try {
      return await Promise.race([answer, timeout]);
    } finally {
      if (timer !== undefined) this.clock.clearTimeout(timer);
    }
  }

  private async arrive(request: SentRequest): Promise<ClusterMessage> {
    await this.gate?.(request);
    const body = await this.node(request.to).replica.serve(request.body, request.from);
    return create(ClusterMessageSchema, { from: this.member(request.to), body });
  }
}

function fail(what: string): never {
  throw new Error(`${what} listener failed`);
}

/** The entry a lookup or put answer carries (key, owner, version), or undefined. */
export function entryIn(body: MessageBody): { key: string; owner: string; version: number } | undefined {
  const entry = body.case === "lookupResult" || body.case === "putResult" ? body.value.entry : undefined;
  return entry === undefined ? undefined : { key: entry.key, owner: entry.owner, version: entry.version };
}

/** A registry entry as a primary stores it. */
export function entryOf(key: string, owner: string, version: number): RegistryEntry {
  return create(RegistryEntrySchema, { key, owner, ownerUid: `${owner}-1`, version });
}

/** Three active replicas n1..n3 that see each other, with one entry per partition written through its primary. */
export async function threeWithEntries(world = new ReplicaWorld()): Promise<{ world: ReplicaWorld; keys: string[] }> {
  for (const name of ["n1", "n2", "n3"]) world.add(name);
  world.see(["n1", "n2", "n3"]);
  for (const node of world.nodes.values()) node.replica.activate();
  const keys = Array.from({ length: partitions }, (_, p) => keyIn(p));
  const table = world.table(["n1", "n2", "n3"]);
  for (const [p, key] of keys.entries()) {
    const answer = await world.serve(table.primary(p) as string, requests.put(key, "n1"));
    if (answer.case !== "putResult" || !answer.value.created) throw new Error(`put of ${key} failed: ${answer.case}`);
  }
  return { world, keys };
}

/** The keys of every entry `node`'s owner-lost listeners were handed, sorted. */
export function lostKeys(node: WorldNode): string[] {
  return node.lost
    .flat()
    .map((e) => e.key)
    .sort();
}

/** The partitions `name` sends copies of, by receiver, as "to:[partitions]" (replicates only), sorted. */
export function pushesFrom(world: ReplicaWorld, name: string, since: number): string[] {
  return world
    .describe(since)
    .filter((r) => r.startsWith(`${name}>`) && r.includes(" replicate "))
    .map((r) => r.replace(/^[^>]*>(\S+) replicate /, "$1:"))
    .sort();
}
