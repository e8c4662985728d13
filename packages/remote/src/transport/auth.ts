import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";

/** Size of a handshake nonce in bytes. */
export const nonceBytes = 32;

/** The secrets a node proves and checks in the HMAC handshake. */
export interface AuthKeys {
  /** The members' shared secret; undefined on a client. */
  readonly member: Buffer | undefined;
  /** The secret clients prove; undefined when this node neither is a client nor accepts clients. */
  readonly client: Buffer | undefined;
}

/** Fresh random bytes for one handshake. */
export function freshNonce(): Buffer {
  return randomBytes(nonceBytes);
}

/** One value bound into a proof. */
export type ProofPart = string | number | Uint8Array;

/**
 * HMAC-SHA256 under `key` of `label` and `parts`, each length-prefixed, so no two different sequences of parts give
 * the same input: a proof made for one step, one pair of nonces or one identity is worthless for any other.
 */
export function proofOf(key: Buffer, label: string, parts: readonly ProofPart[]): Buffer {
  const mac = createHmac("sha256", key);
  const add = (bytes: Uint8Array): void => {
    const length = Buffer.allocUnsafe(4);
    length.writeUInt32BE(bytes.length, 0);
    mac.update(length);
    mac.update(bytes);
  };
  add(Buffer.from(label, "utf8"));
  for (const part of parts)
    add(typeof part === "string" ? Buffer.from(part, "utf8") : typeof part === "number" ? Buffer.from(String(part)) : part);
  return mac.digest();
}

/** True when `given` is the proof `expected`, compared in constant time. */
export function proofMatches(expected: Buffer, given: Uint8Array): boolean {
  return given.length === expected.length && timingSafeEqual(expected, given);
}
