import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import { mergeReplicated, type Replicated } from "../crdt.js";
import { CrdtDecodeError } from "../errors.js";
import { fromProto } from "../from-proto.js";
import {
  type DataEnvelope,
  DataEnvelopeSchema,
  PruningInitializedSchema,
  type PruningMarker,
  PruningMarkerSchema,
  PruningPerformedSchema,
} from "../gen/tsakt/crdt/v1/replicator_pb.js";
import { toProto } from "../to-proto.js";
import { compareStrings } from "../validate.js";
import { cleanup } from "./pruning-ops.js";

/** The pruning of one departed node: announced by its owner, or done. */
export type Marker =
  | { readonly kind: "initialized"; readonly owner: string; readonly seen: ReadonlySet<string> }
  | { readonly kind: "performed"; readonly obsoleteAt: number };

/** Departed node id → the state of its pruning. */
export type Pruning = ReadonlyMap<string, Marker>;

const noPruning: Pruning = new Map();

/** What a replicator holds under one key. Never changed in place. */
export interface Envelope {
  readonly value: Replicated;
  readonly pruning: Pruning;
}

/** An envelope without pruning markers. */
export function envelopeOf(value: Replicated, pruning: Pruning = noPruning): Envelope {
  return { value, pruning };
}

/** The merge of two markers of one departed node: performed wins; two owners' announcements keep the greater owner's. */
export function mergeMarker(a: Marker, b: Marker): Marker {
  if (a.kind === "performed") return b.kind === "performed" && b.obsoleteAt > a.obsoleteAt ? b : a;
  if (b.kind === "performed") return b;
  if (a.owner !== b.owner) return compareStrings(a.owner, b.owner) > 0 ? a : b;
  let seen: Set<string> | undefined;
  for (const name of b.seen) if (!a.seen.has(name)) (seen ??= new Set(a.seen)).add(name);
  return seen === undefined ? a : { kind: "initialized", owner: a.owner, seen };
}

/** The merge of two sets of markers; returns `a` when `b` adds nothing. */
export function mergePruning(a: Pruning, b: Pruning): Pruning {
  if (b.size === 0 || a === b) return a;
  if (a.size === 0) return b;
  let out: Map<string, Marker> | undefined;
  for (const [removed, marker] of b) {
    const mine = a.get(removed);
    const merged = mine === undefined ? marker : mergeMarker(mine, marker);
    if (merged !== mine) (out ??= new Map(a)).set(removed, merged);
  }
  return out ?? a;
}

/** Node ids whose pruning was performed: their shares must not come back from values that still hold them. */
export function performedIn(pruning: Pruning): string[] {
  const removed: string[] = [];
  for (const [node, marker] of pruning) if (marker.kind === "performed") removed.push(node);
  return removed;
}

/**
 * The merge of two envelopes: markers merge, each side drops the shares of nodes whose pruning is done, then the
 * values merge (the tombstone wins; different types throw CrdtTypeMismatchError naming `key`).
 */
export function mergeEnvelopes(key: string, a: Envelope, b: Envelope): Envelope {
  const pruning = mergePruning(a.pruning, b.pruning);
  const done = pruning.size === 0 ? [] : performedIn(pruning);
  const mine = done.length === 0 ? a.value : cleanup(a.value, done);
  const theirs = done.length === 0 ? b.value : cleanup(b.value, done);
  const value = mergeReplicated(mine, theirs, `key ${JSON.stringify(key)}`);
  return value === a.value && pruning === a.pruning ? a : { value, pruning };
}

/** True when both envelopes hold equal values and markers. */
export function sameEnvelope(a: Envelope, b: Envelope): boolean {
  if (a === b) return true;
  if (a.value.type !== b.value.type || !(a.value.equals as (other: Replicated) => boolean)(b.value)) return false;
  if (a.pruning.size !== b.pruning.size) return false;
  for (const [node, marker] of a.pruning) {
    const other = b.pruning.get(node);
    if (other === undefined || other.kind !== marker.kind) return false;
    if (marker.kind === "performed" && other.kind === "performed" && other.obsoleteAt !== marker.obsoleteAt) return false;
    if (marker.kind === "initialized" && other.kind === "initialized") {
      if (marker.owner !== other.owner || marker.seen.size !== other.seen.size) return false;
      for (const name of marker.seen) if (!other.seen.has(name)) return false;
    }
  }
  return true;
}

/** The canonical bytes of an envelope (a `tsakt.crdt.v1.DataEnvelope`): equal envelopes give equal bytes. */
export function encodeEnvelope(key: string, envelope: Envelope): Uint8Array {
  return toBinary(DataEnvelopeSchema, envelopeToProto(key, envelope));
}

/** The protobuf form of an envelope. */
export function envelopeToProto(key: string, envelope: Envelope): DataEnvelope {
  const pruning: PruningMarker[] = [...envelope.pruning.entries()]
    .sort(([a], [b]) => compareStrings(a, b))
    .map(([removed, marker]) =>
      create(PruningMarkerSchema, {
        removed,
        state:
          marker.kind === "performed"
            ? { case: "performed", value: create(PruningPerformedSchema, { obsoleteAtMs: BigInt(marker.obsoleteAt) }) }
            : {
                case: "initialized",
                value: create(PruningInitializedSchema, { owner: marker.owner, seen: [...marker.seen].sort(compareStrings) }),
              },
      }),
    );
  return create(DataEnvelopeSchema, { value: toProto(key, envelope.value), pruning });
}

/** A decoded envelope and its key. */
export interface KeyedEnvelope {
  readonly key: string;
  readonly envelope: Envelope;
}

/** Reads bytes written by encodeEnvelope; anything malformed or inconsistent is a CrdtDecodeError. */
export function decodeEnvelope(bytes: Uint8Array): KeyedEnvelope {
  let message: DataEnvelope;
  try {
    message = fromBinary(DataEnvelopeSchema, bytes);
  } catch (error) {
    throw new CrdtDecodeError(`the bytes are not a tsakt.crdt.v1.DataEnvelope (${(error as Error)?.message ?? error})`, { cause: error });
  }
  return envelopeFromProto(message);
}

/** Reads a `tsakt.crdt.v1.DataEnvelope` message (CrdtDecodeError when it is inconsistent). */
export function envelopeFromProto(message: DataEnvelope): KeyedEnvelope {
  if (message.value === undefined) throw new CrdtDecodeError("a DataEnvelope has no value");
  const { key, data } = fromProto(message.value);
  if (message.pruning.length === 0) return { key, envelope: envelopeOf(data) };
  const pruning = new Map<string, Marker>();
  for (const m of message.pruning) {
    if (m.removed.length === 0) throw new CrdtDecodeError("a pruning marker names no node");
    let marker: Marker;
    if (m.state.case === "performed") {
      const at = Number(m.state.value.obsoleteAtMs);
      if (!Number.isSafeInteger(at))
        throw new CrdtDecodeError(`a pruning marker's obsolete time ${m.state.value.obsoleteAtMs} is out of range`);
      marker = { kind: "performed", obsoleteAt: at };
    } else if (m.state.case === "initialized") {
      if (m.state.value.owner.length === 0) throw new CrdtDecodeError("a pruning marker names no owner");
      marker = { kind: "initialized", owner: m.state.value.owner, seen: new Set(m.state.value.seen) };
    } else {
      throw new CrdtDecodeError(`the pruning marker of ${JSON.stringify(m.removed)} has no state`);
    }
    const before = pruning.get(m.removed);
    pruning.set(m.removed, before === undefined ? marker : mergeMarker(before, marker));
  }
  return { key, envelope: envelopeOf(data, pruning) };
}
