import { create } from "@bufbuild/protobuf";
import {
  type DeltaGossip,
  DeltaGossipSchema,
  type ReadResult,
  ReadResultSchema,
  type StateGossip,
  StateGossipSchema,
  type WriteAck,
  WriteAckSchema,
} from "../gen/tsakt/crdt/v1/replicator_pb.js";

/** Splits encoded envelopes into batches of at most `maxBytes` each (one envelope over the limit travels alone). */
export function batches(envelopes: readonly Uint8Array[], maxBytes: number): Uint8Array[][] {
  const out: Uint8Array[][] = [];
  let current: Uint8Array[] = [];
  let size = 0;
  for (const bytes of envelopes) {
    if (current.length > 0 && size + bytes.length > maxBytes) {
      out.push(current);
      current = [];
      size = 0;
    }
    current.push(bytes);
    size += bytes.length;
  }
  if (current.length > 0) out.push(current);
  return out;
}

/** A DeltaGossip from `from`. */
export function deltaGossip(from: string, envelopes: Uint8Array[]): DeltaGossip {
  return create(DeltaGossipSchema, { from, envelopes });
}

/** A StateGossip from `from`. */
export function stateGossip(from: string, envelopes: Uint8Array[], wanted: string[] = []): StateGossip {
  return create(StateGossipSchema, { from, envelopes, wanted });
}

/** The answer to a Write. */
export function writeAck(error?: unknown): WriteAck {
  return error === undefined ? create(WriteAckSchema, { ok: true }) : create(WriteAckSchema, { ok: false, error: messageOf(error) });
}

/** The answer to a Read. */
export function readResult(envelope: Uint8Array | undefined, error?: unknown): ReadResult {
  if (error !== undefined) return create(ReadResultSchema, { ok: false, error: messageOf(error) });
  return create(ReadResultSchema, { ok: true, envelope: envelope ?? new Uint8Array() });
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
