import { createServer, type Server, type Socket } from "node:net";
import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import { parseRemoteAddress, remoteOf } from "@tsakt/remote";
import { EnvelopeKind, EnvelopeSchema } from "@tsakt/remote/internal";
import { afterEach, describe, expect, it } from "vitest";
import { decodeEnvelope, InboundEnvelope } from "../src/wire/envelope-codec.js";
import { FrameReader } from "../src/wire/frame-reader.js";
import { FrameWriter } from "../src/wire/frame-writer.js";
import { acceptorFrames, seededRandom } from "./support/frames.js";
import { startNode } from "./support/nodes.js";
import { eventually } from "./support/processes.js";
import { schema, testRegistry } from "./support/schemas.js";

const Greet = schema(testRegistry(), "testdata.Greet");

function collect(w: FrameWriter): Buffer {
  const out: Buffer[] = [];
  w.drainTo({ write: (b) => (out.push(Buffer.from(b)), true), cork() {}, uncork() {} });
  return Buffer.concat(out);
}

describe("framing", () => {
  it("splits frames of any size back out of a stream cut at random points", () => {
    const r = seededRandom(7);
    const w = new FrameWriter();
    const sent: Buffer[] = [];
    const stream: Buffer[] = [];
    for (let i = 0; i < 3000; i++) {
      const size = r() < 0.01 ? 70_000 + Math.floor(r() * 200_000) : Math.floor(r() * 300);
      const body = Buffer.alloc(size, i % 251);
      w.beginFrame();
      w.raw(body);
      w.endFrame(1 << 30);
      sent.push(body);
      if (r() < 0.05) stream.push(collect(w));
    }
    stream.push(collect(w));
    const all = Buffer.concat(stream);
    const got: Buffer[] = [];
    const reader = new FrameReader(1 << 30, {
      onFrame: (buf, s, e) => got.push(Buffer.from(buf.subarray(s, e))),
      onOversize: () => {
        throw new Error("unexpected");
      },
    });
    for (let off = 0; off < all.length; ) {
      const n = 1 + Math.floor(r() * (r() < 0.5 ? 8 : 100_000));
      reader.push(all.subarray(off, off + n));
      off += n;
    }
    expect(got.length).toBe(sent.length);
    got.forEach((g, i) => expect(g.equals(sent[i] as Buffer)).toBe(true));
    expect(reader.buffered).toBe(0);
  });

  it("reports an oversized header before buffering its body, even when the header is split", () => {
    const sizes: number[] = [];
    const reader = new FrameReader(1024, { onFrame: () => {}, onOversize: (n) => sizes.push(n) });
    reader.push(Buffer.from([0x00, 0x01]));
    reader.push(Buffer.from([0x00, 0x00, 9, 9, 9]));
    expect(sizes).toEqual([65536]);
    expect(reader.buffered).toBe(0);
  });

  it("hands out a frame of exactly the limit and reports one byte over, whole or with its header split", () => {
    const withHeader = (size: number) => {
      const out = Buffer.alloc(4 + size, 7);
      out.writeUInt32BE(size, 0);
      return out;
    };
    for (const cut of [0, 2]) {
      const frames: number[] = [];
      const sizes: number[] = [];
      const reader = new FrameReader(1024, { onFrame: (_, s, e) => frames.push(e - s), onOversize: (n) => sizes.push(n) });
      const exact = withHeader(1024);
      if (cut > 0) reader.push(exact.subarray(0, cut));
      reader.push(exact.subarray(cut));
      expect(frames).toEqual([1024]);
      const over = withHeader(1025);
      if (cut > 0) reader.push(over.subarray(0, cut));
      reader.push(over.subarray(cut));
      expect(sizes).toEqual([1025]);
      expect(frames).toEqual([1024]);
    }
  });

  it("hands whole frames out in place, reports a lone 4-byte oversized header at once, and reads nothing after", () => {
    const withHeader = (size: number) => {
      const out = Buffer.alloc(4 + size, 5);
      out.writeUInt32BE(size, 0);
      return out;
    };
    const seen: Buffer[] = [];
    const sizes: number[] = [];
    const reader = new FrameReader(64, { onFrame: (buf) => seen.push(buf), onOversize: (n) => sizes.push(n) });
    const chunk = Buffer.concat([withHeader(3), withHeader(10)]);
    reader.push(chunk);
    expect(seen.length).toBe(2);
    expect(seen.every((buf) => buf === chunk)).toBe(true);
    reader.push(withHeader(65).subarray(0, 4));
    expect(sizes).toEqual([65]);
    reader.push(withHeader(1));
    expect(seen.length).toBe(2);
    expect(reader.buffered).toBe(0);
  });

  it("keeps the bytes after stop() for takeRest, whether they came in the same chunk or later", () => {
    const withHeader = (size: number, fill: number) => {
      const out = Buffer.alloc(4 + size, fill);
      out.writeUInt32BE(size, 0);
      return out;
    };
    const frames: number[] = [];
    const reader = new FrameReader(1024, {
      onFrame: (_buf, s, e) => {
        frames.push(e - s);
        reader.stop();
      },
      onOversize: () => {},
    });
    const first = withHeader(2, 1);
    const next = withHeader(3, 2);
    // The first frame arrives split, so it completes from the buffered part; the next is in the same chunk.
    reader.push(first.subarray(0, 3));
    reader.push(Buffer.concat([first.subarray(3), next.subarray(0, 5)]));
    reader.push(next.subarray(5));
    expect(frames).toEqual([2]);
    expect(reader.takeRest()?.equals(next)).toBe(true);
    expect(reader.takeRest()).toBeUndefined();
  });

  it("widens a nested length prefix when a section reaches 128 bytes", () => {
    const w = new FrameWriter();
    w.beginFrame();
    w.varint32((6 << 3) | 2);
    const mark = w.beginLength();
    w.raw(Buffer.alloc(300, 1));
    w.endLength(mark);
    w.endFrame(1 << 20);
    const frame = collect(w);
    const env = fromBinary(EnvelopeSchema, frame.subarray(4));
    expect(env.payload.length).toBe(300);
  });

  it("writes strings of every length up to 400 characters, ASCII and not, as protobuf reads them", () => {
    const random = seededRandom(7);
    const alphabets = ["abc/:@.0123456789", "äöü€", "日本語", "😀x"];
    for (let n = 0; n <= 400; n++) {
      for (const alphabet of alphabets) {
        const chars = [...alphabet];
        let text = "";
        while ([...text].length < n) text += chars[Math.floor(random() * chars.length)];
        const w = new FrameWriter();
        w.beginFrame();
        w.varint32((4 << 3) | 2);
        w.string(text);
        w.endFrame(1 << 20);
        const env = fromBinary(EnvelopeSchema, collect(w).subarray(4));
        expect(env.receiver).toBe(text);
      }
    }
  });
});

describe("envelope codec", () => {
  it("decodes what protobuf-es encodes, field by field, for 2,000 random envelopes", () => {
    const r = seededRandom(99);
    const text = () => (r() < 0.3 ? "" : `tsakt://s@127.0.0.1:${Math.floor(r() * 65535)}/user/${"é".repeat(Math.floor(r() * 80))}`);
    const env = new InboundEnvelope();
    for (let i = 0; i < 2000; i++) {
      const e = create(EnvelopeSchema, {
        kind: Math.floor(r() * 6),
        correlationId: Math.floor(r() * 2 ** 32),
        sender: text(),
        receiver: text(),
        typeName: r() < 0.5 ? "testdata.Greet" : "",
        payload: Uint8Array.from({ length: Math.floor(r() * 500) }, () => Math.floor(r() * 256)),
        metadata: r() < 0.3 ? { a: text(), "trace-id": "x" } : {},
        deadlineMs: Math.floor(r() * 100_000),
      });
      const bytes = Buffer.from(toBinary(EnvelopeSchema, e));
      decodeEnvelope(bytes, 0, bytes.length, env);
      expect(env.kind).toBe(e.kind);
      expect(env.correlationId).toBe(e.correlationId);
      expect(env.deadlineMs).toBe(e.deadlineMs);
      expect(bytes.toString("utf8", env.senderStart, env.senderEnd)).toBe(e.sender);
      expect(bytes.toString("utf8", env.receiverStart, env.receiverEnd)).toBe(e.receiver);
      expect(bytes.toString("utf8", env.typeStart, env.typeEnd)).toBe(e.typeName);
      expect(bytes.subarray(env.payloadStart, env.payloadEnd).equals(Buffer.from(e.payload))).toBe(true);
      expect({ ...(env.metadata ?? {}) }).toEqual(e.metadata);
    }
  });

  it("rejects truncated and mistyped envelopes with an error, never a crash", () => {
    const env = new InboundEnvelope();
    const good = Buffer.from(
      toBinary(EnvelopeSchema, create(EnvelopeSchema, { kind: EnvelopeKind.TELL, receiver: "/user/a", payload: new Uint8Array(20) })),
    );
    for (let cut = 1; cut < good.length; cut++) {
      const ok = (() => {
        try {
          decodeEnvelope(good, 0, cut, env);
          return true;
        } catch {
          return false;
        }
      })();
      // A cut can land between fields (a shorter valid envelope) but never yield a field past the end.
      if (ok) expect(env.payloadEnd).toBeLessThanOrEqual(cut);
    }
    expect(() => decodeEnvelope(Buffer.from([0x0a, 0x01, 0x00]), 0, 3, env)).toThrow(/wire type/);
    expect(() => decodeEnvelope(Buffer.from([0x22, 0x05, 0x41]), 0, 3, env)).toThrow(/past the frame/);
    expect(() => decodeEnvelope(Buffer.from([0x0b]), 0, 1, env)).toThrow();
  });
});

describe("what a node writes on the wire", () => {
  let server: Server | undefined;
  afterEach(() => server?.close());

  it("sends envelopes that protobuf-es reads as the schema in proto/tsakt/remote/v1 describes", async () => {
    const frames: Buffer[] = [];
    let pending = Buffer.alloc(0);
    let sockets: Socket[] = [];
    server = createServer((socket) => {
      sockets.push(socket);
      socket.on("data", (d: Buffer) => {
        pending = Buffer.concat([pending, d]);
        while (pending.length >= 4 && pending.length >= 4 + pending.readUInt32BE(0)) {
          const n = pending.readUInt32BE(0);
          const f = pending.subarray(4, 4 + n);
          if (frames.length === 0)
            socket.write(acceptorFrames({ system: "raw", port: (server?.address() as { port: number } | undefined)?.port ?? 0 }));
          frames.push(Buffer.from(f));
          pending = pending.subarray(4 + n);
        }
      });
    });
    await new Promise<void>((r) => server?.listen(0, "127.0.0.1", r));
    const port = (server.address() as { port: number }).port;
    const system = await startNode({
      propagator: {
        inject: (h) => {
          h.trace = "t-1";
        },
        extract: () => undefined,
      },
    });
    const target = remoteOf(system).pidOf(`tsakt://raw@127.0.0.1:${port}/user/sink`);
    const from = await system.spawnFunc("from", () => {});
    expect(target.tell(create(Greet, { who: "wire", n: 3 }), from)).toBe(true);
    void target.ask(create(Greet, { who: "q" }), { timeoutMs: 1234 }).catch(() => {});
    await eventually(() => frames.length >= 4, 5000, "four frames");
    const [hello, handshake, tell, ask] = frames.map((f) => fromBinary(EnvelopeSchema, f));
    expect(hello?.kind).toBe(EnvelopeKind.SYSTEM);
    expect(hello?.typeName).toBe("tsakt.remote.v1.Hello");
    expect(handshake?.typeName).toBe("tsakt.remote.v1.Handshake");
    expect(tell).toMatchObject({
      kind: EnvelopeKind.TELL,
      correlationId: 0,
      sender: from.address,
      receiver: target.address,
      typeName: "testdata.Greet",
      metadata: { trace: "t-1" },
      deadlineMs: 0,
    });
    expect(fromBinary(Greet, tell?.payload as Uint8Array)).toMatchObject({ who: "wire", n: 3 });
    expect(ask).toMatchObject({
      kind: EnvelopeKind.ASK,
      sender: "",
      receiver: target.address,
      typeName: "testdata.Greet",
    });
    // What is left of the 1234 ms when the frame is written (a millisecond may have passed since the ask).
    expect(ask?.deadlineMs).toBeGreaterThanOrEqual(1200);
    expect(ask?.deadlineMs).toBeLessThanOrEqual(1234);
    expect(ask?.correlationId).toBeGreaterThan(0);
    for (const s of sockets) s.destroy();
    sockets = [];
  });
});

describe("addresses", () => {
  it("parses system, host, port and path, and refuses what is not a remote address", () => {
    expect(parseRemoteAddress("tsakt://sys@127.0.0.1:4000/user/a/b")).toEqual({
      system: "sys",
      host: "127.0.0.1",
      port: 4000,
      path: "/user/a/b",
      node: "tsakt://sys@127.0.0.1:4000",
      hostPort: "127.0.0.1:4000",
    });
    expect(parseRemoteAddress("tsakt://sys@[::1]:4000")).toMatchObject({ host: "::1", hostPort: "[::1]:4000", path: "" });
    for (const bad of [
      "tsakt://sys/user/a",
      "tsakt://@h:1/x",
      "tsakt://s@h:0/x",
      "tsakt://s@h:70000",
      "http://s@h:1/x",
      "tsakt://s@h:1 /x",
    ])
      expect(parseRemoteAddress(bad), bad).toBeUndefined();
  });
});
