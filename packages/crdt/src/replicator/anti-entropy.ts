import { create } from "@bufbuild/protobuf";
import { KeyDigestSchema, type Status, StatusSchema } from "../gen/tsakt/crdt/v1/replicator_pb.js";
import { chunkOf, type ReplicaStore, sameDigest } from "./store.js";

// Full-state anti-entropy: a node tells one member the digests of one chunk of its keys (Status); the member answers
// with its own values of the keys that differ or that the sender lacks, and names the keys it lacks or that differ
// (StateGossip with `wanted`), which the sender then sends. One round repairs both sides of that chunk.

/** Number of chunks a store of `size` keys is covered in, at most `maxDigests` digests per Status. */
export function chunksFor(size: number, maxDigests: number): number {
  return Math.max(1, Math.ceil(size / maxDigests));
}

/** The Status of chunk `chunk` of `total` of this node's keys. */
export function statusOf(store: ReplicaStore, from: string, chunk: number, total: number): Status {
  const digests = [];
  for (const key of store.chunk(chunk, total)) digests.push(create(KeyDigestSchema, { key, digest: store.digest(key) as Uint8Array }));
  return create(StatusSchema, { from, chunk, totalChunks: total, digests });
}

/** What a node answers to a Status: its envelopes the sender lacks or holds differently, and the keys it wants back. */
export interface StatusAnswer {
  readonly envelopes: Uint8Array[];
  readonly wanted: string[];
}

/** Compares a Status with `store` (see StatusAnswer). */
export function answerStatus(store: ReplicaStore, status: Status): StatusAnswer {
  const total = Math.max(1, status.totalChunks);
  const chunk = status.chunk % total;
  const envelopes: Uint8Array[] = [];
  const wanted: string[] = [];
  const listed = new Set<string>();
  for (const { key, digest } of status.digests) {
    listed.add(key);
    const mine = store.digest(key);
    if (mine === undefined) wanted.push(key);
    else if (!sameDigest(mine, digest)) {
      envelopes.push(store.bytes(key) as Uint8Array);
      wanted.push(key);
    }
  }
  for (const key of store.chunk(chunk, total))
    if (!listed.has(key) && chunkOf(key, total) === chunk) envelopes.push(store.bytes(key) as Uint8Array);
  return { envelopes, wanted };
}
