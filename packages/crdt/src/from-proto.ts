import { CausalContext, type Dot } from "./causal-context.js";
import type { Crdt, Replicated } from "./crdt.js";
import { Deleted } from "./deleted.js";
import type { DotEntry } from "./dot-store.js";
import { CrdtDecodeError } from "./errors.js";
import { Flag } from "./flag.js";
import { GCounter } from "./gcounter.js";
import type * as pb from "./gen/tsakt/crdt/v1/crdt_pb.js";
import { LWWRegister } from "./lww-register.js";
import { MVRegister } from "./mv-register.js";
import { checkOneType, ORMap } from "./ormap.js";
import { ORSet } from "./orset.js";
import { PNCounter } from "./pncounter.js";
import { ownScalar, type Scalar } from "./scalar.js";

/** How many ORMaps may nest in a decoded value (a map in a map counts 2); deeper input is rejected. */
export const MAX_NESTING = 16;

/** A decoded `ReplicatedValue`: the key and the value or tombstone stored under it. */
export interface KeyedValue {
  readonly key: string;
  readonly data: Replicated;
}

/**
 * Reads a `tsakt.crdt.v1.ReplicatedValue` message, checking every invariant the types rely on (dots within the
 * node table and the causal context, no duplicates, values present); anything else is a CrdtDecodeError.
 */
export function fromProto(message: pb.ReplicatedValue): KeyedValue {
  return { key: message.key, data: dataFromProto(message, 0) };
}

function fail(reason: string, cause?: unknown): never {
  throw new CrdtDecodeError(reason, cause === undefined ? undefined : { cause });
}

function dataFromProto(message: pb.ReplicatedValue, depth: number): Replicated {
  const { data } = message;
  switch (data.case) {
    case "gCounter":
      return gCounterFromProto(data.value, "gCounter");
    case "pnCounter":
      return new PNCounter(
        gCounterFromProto(data.value.increments, "pnCounter.increments"),
        gCounterFromProto(data.value.decrements, "pnCounter.decrements"),
      );
    case "lwwRegister":
      return lwwFromProto(data.value);
    case "orSet":
      return orSetFromProto(data.value);
    case "orMap":
      return orMapFromProto(data.value, depth);
    case "flag":
      return Flag.of(data.value.enabled);
    case "mvRegister":
      return mvFromProto(data.value);
    case "deleted":
      return Deleted.instance;
    default:
      return fail(
        `the value${message.key === "" ? "" : ` of key ${JSON.stringify(message.key)}`} has no data (or a type this version does not know)`,
      );
  }
}

function gCounterFromProto(message: pb.GCounter | undefined, where: string): GCounter {
  if (message === undefined) return GCounter.empty();
  const counts = new Map<string, bigint>();
  for (const { node, count } of message.entries) {
    if (node === "") fail(`${where} has an entry without a node id`);
    if (counts.has(node)) fail(`${where} has two entries for node ${JSON.stringify(node)}`);
    if (count > 0n) counts.set(node, count);
  }
  return counts.size === 0 ? GCounter.empty() : new GCounter(counts, undefined);
}

function scalarFromProto(message: pb.Scalar | undefined, where: string): Scalar {
  const kind = message?.kind;
  if (kind === undefined || kind.case === undefined) return fail(`${where} has no value`);
  return ownScalar(kind.value);
}

function lwwFromProto(message: pb.LWWRegister): LWWRegister {
  const value = scalarFromProto(message.value, "lwwRegister");
  const timestamp = Number(message.timestamp);
  if (!Number.isSafeInteger(timestamp)) fail(`lwwRegister timestamp ${message.timestamp} is not a safe integer`);
  if (message.node === "") fail("lwwRegister has no node id");
  return new LWWRegister(value, timestamp, message.node);
}

/** Reads dots against a node table and a causal context, rejecting anything out of range or seen twice. */
class DotReader {
  private readonly seen = new Map<string, Set<number>>();
  readonly context: CausalContext;

  constructor(
    private readonly nodes: readonly string[],
    context: pb.CausalContext | undefined,
    private readonly where: string,
  ) {
    const unique = new Set(nodes);
    if (unique.size !== nodes.length || unique.has("")) fail(`${where} has an empty or repeated node id in its node table`);
    const versions: [string, number][] = [];
    const named = new Set<string>();
    for (const v of context?.versions ?? []) {
      const { node, counter } = this.read(v, "context version");
      if (named.has(node)) fail(`${where} has two context versions for node ${JSON.stringify(node)}`);
      named.add(node);
      versions.push([node, counter]);
    }
    const cloud = (context?.cloud ?? []).map((d) => this.read(d, "context cloud dot"));
    this.context = CausalContext.from(versions, cloud);
  }

  /** A dot of the context: node index and counter in range. */
  private read(dot: pb.Dot | undefined, what: string): Dot {
    if (dot === undefined) return fail(`${this.where} has a ${what} that is missing`);
    const node = this.nodes[dot.node];
    if (node === undefined) fail(`${this.where} has a ${what} with node index ${dot.node} outside its node table of ${this.nodes.length}`);
    const counter = Number(dot.counter);
    if (counter < 1 || !Number.isSafeInteger(counter)) fail(`${this.where} has a ${what} with counter ${dot.counter} (expected 1..2^53-1)`);
    return { node, counter };
  }

  /** A stored entry: its dot must also be within the context and not used by another entry. */
  entry<V>(dot: pb.Dot | undefined, value: V): DotEntry<V> {
    const d = this.read(dot, "dot");
    if (!this.context.contains(d.node, d.counter)) fail(`${this.where} has dot (${d.node}, ${d.counter}) outside its causal context`);
    let counters = this.seen.get(d.node);
    if (counters === undefined) this.seen.set(d.node, (counters = new Set()));
    if (counters.has(d.counter)) fail(`${this.where} uses dot (${d.node}, ${d.counter}) twice`);
    counters.add(d.counter);
    // A literal, so decoded entries share one object shape with those the types create.
    return { node: d.node, counter: d.counter, value };
  }
}

function orSetFromProto(message: pb.ORSet): ORSet {
  const reader = new DotReader(message.nodes, message.context, "orSet");
  const store = new Map<string, readonly DotEntry<null>[]>();
  for (const element of message.elements) {
    if (store.has(element.value)) fail(`orSet lists element ${JSON.stringify(element.value)} twice`);
    if (element.dots.length === 0) fail(`orSet element ${JSON.stringify(element.value)} has no dots`);
    store.set(
      element.value,
      element.dots.map((d) => reader.entry(d, null)),
    );
  }
  return new ORSet(store, reader.context, undefined);
}

function mvFromProto(message: pb.MVRegister): MVRegister {
  const reader = new DotReader(message.nodes, message.context, "mvRegister");
  const writes = message.entries.map((e) => reader.entry(e.dot, scalarFromProto(e.value, "mvRegister entry")));
  return new MVRegister(writes, reader.context, undefined);
}

function orMapFromProto(message: pb.ORMap, depth: number): ORMap {
  if (depth >= MAX_NESTING) fail(`ORMaps nest deeper than ${MAX_NESTING} levels`);
  const reader = new DotReader(message.nodes, message.context, "orMap");
  const store = new Map<string, DotEntry<Crdt>[]>();
  for (const entry of message.entries) {
    const where = `orMap key ${JSON.stringify(entry.key)}`;
    if (entry.value === undefined) fail(`${where} has a write without a value`);
    const value = dataFromProto(entry.value, depth + 1);
    if (value instanceof Deleted) fail(`${where} holds a tombstone; tombstones exist only at the top level`);
    let writes = store.get(entry.key);
    if (writes === undefined) store.set(entry.key, (writes = []));
    writes.push(reader.entry(entry.dot, value));
  }
  for (const [key, writes] of store) {
    try {
      checkOneType(key, writes);
    } catch (error) {
      fail(`orMap key ${JSON.stringify(key)} holds values of different types`, error);
    }
  }
  return new ORMap(store, reader.context, undefined);
}
