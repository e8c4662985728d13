import { create } from "@bufbuild/protobuf";
import type { CausalContext, Dot } from "./causal-context.js";
import type { Replicated } from "./crdt.js";
import type { DotEntry } from "./dot-store.js";
import { CrdtArgumentError } from "./errors.js";
import type { Flag } from "./flag.js";
import type { GCounter } from "./gcounter.js";
import * as pb from "./gen/tsakt/crdt/v1/crdt_pb.js";
import type { LWWRegister } from "./lww-register.js";
import type { MVRegister } from "./mv-register.js";
import type { ORMap } from "./ormap.js";
import type { ORSet } from "./orset.js";
import type { PNCounter } from "./pncounter.js";
import type { Scalar } from "./scalar.js";
import { compareStrings, describe } from "./validate.js";

/**
 * The wire form of `data` stored under `key` (a `tsakt.crdt.v1.ReplicatedValue`). Deltas use the same form. The
 * result is canonical: equal values give equal messages and equal bytes.
 */
export function toProto(key: string, data: Replicated): pb.ReplicatedValue {
  return create(pb.ReplicatedValueSchema, { key, data: dataToProto(data) });
}

function dataToProto(data: Replicated): pb.ReplicatedValue["data"] {
  switch (data?.type) {
    case "GCounter":
      return { case: "gCounter", value: gCounterToProto(data) };
    case "PNCounter":
      return { case: "pnCounter", value: pnCounterToProto(data) };
    case "LWWRegister":
      return { case: "lwwRegister", value: lwwToProto(data) };
    case "ORSet":
      return { case: "orSet", value: orSetToProto(data) };
    case "ORMap":
      return { case: "orMap", value: orMapToProto(data) };
    case "Flag":
      return { case: "flag", value: flagToProto(data) };
    case "MVRegister":
      return { case: "mvRegister", value: mvToProto(data) };
    case "Deleted":
      return { case: "deleted", value: create(pb.DeletedSchema) };
    default:
      throw new CrdtArgumentError("data", `expected a replicated value or Deleted, got ${describe(data)}`);
  }
}

function gCounterToProto(counter: GCounter): pb.GCounter {
  const entries = [...counter.entries()].sort(([a], [b]) => compareStrings(a, b));
  return create(pb.GCounterSchema, { entries: entries.map(([node, count]) => ({ node, count })) });
}

function pnCounterToProto(counter: PNCounter): pb.PNCounter {
  return create(pb.PNCounterSchema, { increments: gCounterToProto(counter.increments), decrements: gCounterToProto(counter.decrements) });
}

function flagToProto(flag: Flag): pb.Flag {
  return create(pb.FlagSchema, { enabled: flag.enabled });
}

function scalarToProto(value: Scalar): pb.Scalar {
  switch (typeof value) {
    case "string":
      return create(pb.ScalarSchema, { kind: { case: "text", value } });
    case "number":
      return create(pb.ScalarSchema, { kind: { case: "number", value } });
    case "boolean":
      return create(pb.ScalarSchema, { kind: { case: "boolean", value } });
    case "bigint":
      return create(pb.ScalarSchema, { kind: { case: "integer", value } });
    default:
      return create(pb.ScalarSchema, { kind: { case: "bytes", value } });
  }
}

function lwwToProto(register: LWWRegister): pb.LWWRegister {
  return create(pb.LWWRegisterSchema, { value: scalarToProto(register.value), timestamp: BigInt(register.timestamp), node: register.node });
}

/** Node ids of a dotted value, sorted, and their positions: what its dots index. */
class NodeTable {
  readonly nodes: string[];
  private readonly positions = new Map<string, number>();

  constructor(context: CausalContext) {
    this.nodes = [...context.nodes()].sort();
    for (const [i, node] of this.nodes.entries()) this.positions.set(node, i);
  }

  dot(dot: Dot): pb.Dot {
    // Literals rather than create(): repeated small messages dominate the cost of encoding a large set.
    return { $typeName: "tsakt.crdt.v1.Dot", node: this.positions.get(dot.node) ?? 0, counter: BigInt(dot.counter) };
  }

  dots(dots: readonly Dot[]): pb.Dot[] {
    return [...dots].sort(compareDots).map((d) => this.dot(d));
  }

  context(context: CausalContext): pb.CausalContext {
    const versions = [...context.versionEntries()].map(([node, counter]) => ({ node, counter }));
    return create(pb.CausalContextSchema, { versions: this.dots(versions), cloud: this.dots([...context.cloudDots()]) });
  }
}

function compareDots(a: Dot, b: Dot): number {
  return compareStrings(a.node, b.node) || a.counter - b.counter;
}

function orSetToProto(set: ORSet): pb.ORSet {
  const table = new NodeTable(set.context);
  const elements = [...set.store.keys()]
    .sort()
    .map((value): pb.ORSetElement => ({ $typeName: "tsakt.crdt.v1.ORSetElement", value, dots: table.dots(set.store.get(value) ?? []) }));
  return create(pb.ORSetSchema, { nodes: table.nodes, elements, context: table.context(set.context) });
}

function mvToProto(register: MVRegister): pb.MVRegister {
  const table = new NodeTable(register.context);
  const entries = [...register.writes]
    .sort(compareDots)
    .map((w) => create(pb.MVRegisterEntrySchema, { dot: table.dot(w), value: scalarToProto(w.value) }));
  return create(pb.MVRegisterSchema, { nodes: table.nodes, entries, context: table.context(register.context) });
}

function orMapToProto(map: ORMap): pb.ORMap {
  const table = new NodeTable(map.context);
  const entries: pb.ORMapEntry[] = [];
  for (const key of [...map.store.keys()].sort()) {
    const writes: readonly DotEntry<Replicated>[] = [...(map.store.get(key) ?? [])].sort(compareDots);
    for (const w of writes) entries.push(create(pb.ORMapEntrySchema, { key, dot: table.dot(w), value: toProto("", w.value) }));
  }
  return create(pb.ORMapSchema, { nodes: table.nodes, entries, context: table.context(map.context) });
}
