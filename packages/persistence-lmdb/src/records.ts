import { CorruptStateError } from "@tsakt/persistence";

// Every record starts with a format byte, so a later layout can be told apart and damaged bytes are caught early.
const FORMAT = 1;

/** Key of one sequenced entry: u16 id length, the id, and the sequence number big-endian, so ranges of one id sort by number. */
export function sequencedKey(persistenceId: string, sequenceNr: number): Buffer {
  const id = Buffer.from(persistenceId, "utf8");
  const key = Buffer.allocUnsafe(2 + id.length + 8);
  key.writeUInt16BE(id.length, 0);
  id.copy(key, 2);
  key.writeBigUInt64BE(BigInt(sequenceNr), 2 + id.length);
  return key;
}

/** The u16 length and id that start every sequencedKey of `persistenceId`; it sorts before all of them. */
export function idPrefix(persistenceId: string): Buffer {
  return sequencedKey(persistenceId, 0).subarray(0, -8);
}

/** The sequence number at the end of a sequencedKey. */
export function sequenceOf(key: Buffer): number {
  return Number(key.readBigUInt64BE(key.length - 8));
}

/** Key of a whole-id entry (state, highest sequence number). */
export function idKey(id: string): Buffer {
  return Buffer.from(id, "utf8");
}

/** A state record: format, version, bytes. */
export function encodeState(version: number, bytes: Uint8Array): Buffer {
  const out = Buffer.allocUnsafe(9 + bytes.length);
  out[0] = FORMAT;
  out.writeDoubleBE(version, 1);
  out.set(bytes, 9);
  return out;
}

/** Reads a state record; CorruptStateError names `key` when it is damaged. */
export function decodeState(record: Buffer, key: string): { version: number; bytes: Uint8Array } {
  if (record.length < 9 || record[0] !== FORMAT) throw new CorruptStateError(key, "the LMDB state record is damaged");
  const version = record.readDoubleBE(1);
  if (!Number.isSafeInteger(version) || version < 1) throw new CorruptStateError(key, `the LMDB state record has version ${version}`);
  return { version, bytes: new Uint8Array(record.subarray(9)) };
}

/** The version in a state record, 0 for none. */
export function versionOf(record: Buffer | undefined, key: string): number {
  return record === undefined ? 0 : decodeState(record, key).version;
}

/** An event record: format, type name, metadata JSON, bytes. */
export function encodeEvent(typeName: string, metadata: Record<string, string>, bytes: Uint8Array): Buffer {
  const type = Buffer.from(typeName, "utf8");
  const meta = Buffer.from(Object.keys(metadata).length === 0 ? "" : JSON.stringify(metadata), "utf8");
  const out = Buffer.allocUnsafe(1 + 4 + type.length + 4 + meta.length + bytes.length);
  let at = 0;
  out[at++] = FORMAT;
  at = out.writeUInt32BE(type.length, at);
  at += type.copy(out, at);
  at = out.writeUInt32BE(meta.length, at);
  at += meta.copy(out, at);
  out.set(bytes, at);
  return out;
}

/** Reads an event record; CorruptStateError names "<id>#<seq>" when it is damaged. */
export function decodeEvent(record: Buffer, key: string): { typeName: string; metadata: Record<string, string>; bytes: Uint8Array } {
  const damaged = (why: string, cause?: unknown) => new CorruptStateError(key, `the LMDB event record is damaged (${why})`, { cause });
  if (record.length < 9 || record[0] !== FORMAT) throw damaged("bad header");
  const typeLength = record.readUInt32BE(1);
  const metaAt = 5 + typeLength;
  if (metaAt + 4 > record.length) throw damaged("type name overruns the record");
  const metaLength = record.readUInt32BE(metaAt);
  const bytesAt = metaAt + 4 + metaLength;
  if (bytesAt > record.length) throw damaged("metadata overruns the record");
  let metadata: Record<string, string> = {};
  if (metaLength > 0) {
    try {
      metadata = JSON.parse(record.toString("utf8", metaAt + 4, bytesAt)) as Record<string, string>;
    } catch (error) {
      throw damaged("metadata is not JSON", error);
    }
  }
  return { typeName: record.toString("utf8", 5, metaAt), metadata, bytes: new Uint8Array(record.subarray(bytesAt)) };
}

/** A snapshot record: format, timestamp, bytes. */
export function encodeSnapshot(timestamp: number, bytes: Uint8Array): Buffer {
  const out = Buffer.allocUnsafe(9 + bytes.length);
  out[0] = FORMAT;
  out.writeDoubleBE(timestamp, 1);
  out.set(bytes, 9);
  return out;
}

/** Reads a snapshot record; CorruptStateError names "<id>@<seq>" when it is damaged. */
export function decodeSnapshot(record: Buffer, key: string): { timestamp: number; bytes: Uint8Array } {
  if (record.length < 9 || record[0] !== FORMAT) throw new CorruptStateError(key, "the LMDB snapshot record is damaged");
  return { timestamp: record.readDoubleBE(1), bytes: new Uint8Array(record.subarray(9)) };
}

/** A highest-sequence-number record. */
export function encodeNumber(value: number): Buffer {
  const out = Buffer.allocUnsafe(8);
  out.writeDoubleBE(value, 0);
  return out;
}

/** Reads a highest-sequence-number record (0 when absent). */
export function decodeNumber(record: Buffer | undefined, key: string): number {
  if (record === undefined) return 0;
  if (record.length !== 8) throw new CorruptStateError(key, "the LMDB sequence record is damaged");
  return record.readDoubleBE(0);
}
