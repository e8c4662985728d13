import { createHash } from "node:crypto";
import { hashString } from "@tsakt/actor/internal";
import { CrdtDecodeError } from "../errors.js";
import { decodeEnvelope, type Envelope, encodeEnvelope, mergeEnvelopes, sameEnvelope } from "./envelope.js";

interface Slot {
  envelope: Envelope;
  /** The canonical bytes, encoded once per change and shared by gossip, reads and durable saves. */
  bytes: Uint8Array | undefined;
  digest: Uint8Array | undefined;
}

/** Called when the envelope of `key` changed (a local update or a merge that brought something new). */
export type ChangeListener = (key: string, envelope: Envelope) => void;

/**
 * One node's replicas: key → envelope. Local updates replace a key's envelope; everything from other nodes and from
 * storage is merged in. Bytes and digests are computed on demand and cached until the next change.
 */
export class ReplicaStore {
  private readonly slots = new Map<string, Slot>();

  constructor(private readonly changed: ChangeListener = () => {}) {}

  /** Number of keys, deleted ones included. */
  get size(): number {
    return this.slots.size;
  }

  /** Every key held, deleted ones included. */
  keys(): IterableIterator<string> {
    return this.slots.keys();
  }

  /** The envelope of `key`, or undefined. */
  get(key: string): Envelope | undefined {
    return this.slots.get(key)?.envelope;
  }

  /** Replaces the envelope of `key` with the result of a local update. */
  put(key: string, envelope: Envelope): void {
    this.slots.set(key, { envelope, bytes: undefined, digest: undefined });
    this.changed(key, envelope);
  }

  /**
   * Merges `envelope` into what `key` holds; true when that changed. Throws CrdtTypeMismatchError when the key holds
   * another type (nothing is changed then).
   */
  merge(key: string, envelope: Envelope): boolean {
    const slot = this.slots.get(key);
    if (slot === undefined) {
      this.put(key, envelope);
      return true;
    }
    const merged = mergeEnvelopes(key, slot.envelope, envelope);
    if (merged === slot.envelope || sameEnvelope(merged, slot.envelope)) return false;
    this.put(key, merged);
    return true;
  }

  /**
   * Decodes bytes from another node and merges them; the key, and whether it changed. CrdtDecodeError when the bytes
   * are malformed or hold another key than `expectedKey` (when given).
   */
  mergeBytes(bytes: Uint8Array, expectedKey?: string): { key: string; changed: boolean } {
    const { key, envelope } = decodeEnvelope(bytes);
    if (expectedKey !== undefined && key !== expectedKey)
      throw new CrdtDecodeError(`an answer for key ${JSON.stringify(expectedKey)} holds key ${JSON.stringify(key)}`);
    return { key, changed: this.merge(key, envelope) };
  }

  /** The canonical bytes of `key`'s envelope, or undefined when the key is absent. */
  bytes(key: string): Uint8Array | undefined {
    const slot = this.slots.get(key);
    if (slot === undefined) return undefined;
    slot.bytes ??= encodeEnvelope(key, slot.envelope);
    return slot.bytes;
  }

  /** A 16-byte digest of `key`'s canonical bytes: equal envelopes have equal digests. */
  digest(key: string): Uint8Array | undefined {
    const slot = this.slots.get(key);
    if (slot === undefined) return undefined;
    if (slot.digest === undefined) {
      const bytes = this.bytes(key) as Uint8Array;
      slot.digest = new Uint8Array(createHash("sha256").update(bytes).digest().subarray(0, 16));
    }
    return slot.digest;
  }

  /** The keys of chunk `chunk` out of `total` (by a hash of the key), for anti-entropy in parts. */
  *chunk(chunk: number, total: number): IterableIterator<string> {
    for (const key of this.slots.keys()) if (total <= 1 || chunkOf(key, total) === chunk) yield key;
  }
}

/** The anti-entropy chunk of `key` among `total`. */
export function chunkOf(key: string, total: number): number {
  return hashString(key) % total;
}

/** True when two digests are equal. */
export function sameDigest(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
