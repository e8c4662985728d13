// Random cluster traffic for the fuzz test: valid ClusterMessage envelopes with random fields (some naming the real
// members, their uids and keys), placement notes, and random bytes, framed for a raw remoting connection.
import { create, type MessageInitShape, toBinary } from "@bufbuild/protobuf";
import { ClusterMessageSchema, type Member, MemberSchema, type MemberStatus } from "@tsakt/cluster";
import { EnvelopeKind } from "@tsakt/remote/internal";
import { HostedSchema, LoadQuerySchema } from "../src/gen/tsakt/cluster/v1/placement_pb.js";

/** What the fuzzer knows of the cluster it attacks. */
export interface FuzzTarget {
  /** Node address of the member the frames go to, "tsakt://system@host:port". */
  readonly address: string;
  /** The real members (name, uid, host, port, start), so updates can name them exactly. */
  readonly members: readonly Member[];
  /** Registry keys that exist, so requests can name them. */
  readonly keys: readonly string[];
}

type Body = NonNullable<MessageInitShape<typeof ClusterMessageSchema>["body"]>;

/** `u32 length | Envelope`, encoded by hand (protobuf wire format) because protobuf-es would be the fuzzer's bottleneck. */
function envelopeFrame(
  kind: number,
  correlationId: number,
  receiver: string,
  typeName: string,
  payload: Uint8Array,
  deadlineMs: number,
): Buffer {
  const parts: number[] = [];
  const varint = (v: number) => {
    let n = v >>> 0;
    while (n > 0x7f) {
      parts.push((n & 0x7f) | 0x80);
      n >>>= 7;
    }
    parts.push(n);
  };
  const field = (tag: number, bytes: Uint8Array) => {
    varint(tag);
    varint(bytes.length);
    for (const b of bytes) parts.push(b);
  };
  varint((1 << 3) | 0);
  varint(kind);
  if (correlationId !== 0) {
    varint((2 << 3) | 0);
    varint(correlationId);
  }
  field((4 << 3) | 2, Buffer.from(receiver));
  field((5 << 3) | 2, Buffer.from(typeName));
  field((6 << 3) | 2, payload);
  if (deadlineMs !== 0) {
    varint((8 << 3) | 0);
    varint(deadlineMs);
  }
  const frame = Buffer.allocUnsafe(4 + parts.length);
  frame.writeUInt32BE(parts.length, 0);
  frame.set(parts, 4);
  return frame;
}

/** A generator of random frames from a seeded source `r` in [0, 1). */
export function clusterFuzzer(r: () => number, target: FuzzTarget) {
  const pick = <T>(items: readonly T[]): T => items[Math.floor(r() * items.length)] as T;
  const int = (n: number) => Math.floor(r() * n);
  const text = () => int(36 ** 8).toString(36);
  const bytes = (n: number) => Uint8Array.from({ length: int(n) }, () => int(256));
  const incarnation = () => pick([0, 1, 2, int(100), int(2 ** 32), 2 ** 32 - 1]);
  const status = () => int(7) as MemberStatus;
  const randomMember = (): Member =>
    create(MemberSchema, {
      name: pick([text(), pick(target.members).name]),
      host: "127.0.0.1",
      // Ports nothing listens on: a node checking this "member" must not reach someone else's process.
      port: pick([1, 2, 3]),
      system: pick(["cluster-test", text()]),
      roles: r() < 0.2 ? [text()] : [],
      uid: text(),
      startedAtMs: pick([0, Date.now() + int(1e9), Date.now() - int(1e9), -1]),
    });
  // A real member exactly, or with its uid or start time changed (a forged later run).
  const memberLike = (): Member => {
    const real = pick(target.members);
    const roll = r();
    if (roll < 0.5) return real;
    if (roll < 0.7) return { ...real, uid: text() };
    if (roll < 0.8) return { ...real, uid: text(), startedAtMs: real.startedAtMs + 1 + int(1e6) };
    return randomMember();
  };
  const state = () => ({ member: memberLike(), status: status(), incarnation: incarnation() });
  const entry = () => ({
    key: r() < 0.5 ? pick(target.keys) : `fuzz/${text()}`,
    owner: pick([pick(target.members).name, text()]),
    ownerUid: pick([pick(target.members).uid, text()]),
    kind: pick(["echo", text()]),
    data: bytes(16),
    version: pick([0, r() * 1e12, Number.MAX_SAFE_INTEGER, -1]),
    removed: r() < 0.3,
    ownerStartedAtMs: r() * 1e12,
  });
  const bodies: Array<() => Body> = [
    () => ({ case: "ping", value: { targetUid: pick(["", text(), pick(target.members).uid]) } }),
    () => ({ case: "ack", value: {} }),
    () => ({ case: "pingReq", value: { target: memberLike() } }),
    () => ({ case: "nack", value: {} }),
    () => ({ case: "gossip", value: {} }),
    () => ({ case: "sync", value: { states: Array.from({ length: int(6) }, state), established: r() < 0.5 } }),
    () => ({ case: "put", value: { entry: entry() } }),
    () => ({ case: "putResult", value: { created: r() < 0.5, entry: entry() } }),
    () => ({ case: "lookup", value: { key: pick([pick(target.keys), text()]), anyHolder: r() < 0.5 } }),
    () => ({ case: "remove", value: { key: pick([pick(target.keys), text()]), owner: pick(["", pick(target.members).name]) } }),
    () => ({ case: "notPrimary", value: { primary: text() } }),
    () => ({ case: "replicate", value: { entries: Array.from({ length: int(5) }, entry) } }),
    () => ({ case: "replicated", value: {} }),
    () => ({ case: "handoffRequest", value: { partitions: Array.from({ length: int(5) }, () => int(400)), requester: state() } }),
    () => ({ case: "handoffReply", value: { entries: Array.from({ length: int(3) }, entry) } }),
    () => ({ case: "writeFailed", value: { key: text(), acks: int(5), needed: int(5), reason: text() } }),
    () => ({ case: "duplicatesLost", value: { lost: Array.from({ length: int(3) }, entry), kept: Array.from({ length: int(3) }, entry) } }),
    () => ({ case: undefined }),
  ];
  let correlation = 1;
  const envelope = (receiver: string, typeName: string, payload: Uint8Array) => {
    const ask = r() < 0.5;
    return envelopeFrame(ask ? EnvelopeKind.ASK : EnvelopeKind.TELL, ask ? correlation++ : 0, receiver, typeName, payload, ask ? 1000 : 0);
  };
  return {
    /** One random frame. */
    next(): Buffer {
      const roll = r();
      if (roll < 0.05) return envelope(`${target.address}/system/cluster`, ClusterMessageSchema.typeName, bytes(64));
      if (roll < 0.1) {
        const placement = `${target.address}/system/cluster-placement`;
        return r() < 0.5
          ? envelope(
              placement,
              HostedSchema.typeName,
              toBinary(
                HostedSchema,
                create(HostedSchema, { name: `fuzz-${text()}`, relocatable: r() < 0.5, singleton: r() < 0.5, kind: text() }),
              ),
            )
          : envelope(placement, pick([LoadQuerySchema.typeName, HostedSchema.typeName]), bytes(32));
      }
      const message = create(ClusterMessageSchema, {
        from: r() < 0.9 ? memberLike() : undefined,
        updates: Array.from({ length: int(5) }, state),
        body: pick(bodies)(),
      });
      // Never the exact sender identity of a live member: a message that carries it is that member's word (see SECURITY.md).
      const from = message.from;
      if (from !== undefined && target.members.some((m) => m.name === from.name && m.uid === from.uid))
        message.from = { ...from, uid: `${from.uid}-not` };
      return envelope(`${target.address}/system/cluster`, ClusterMessageSchema.typeName, toBinary(ClusterMessageSchema, message));
    },
  };
}
