import { connect, type Socket } from "node:net";
import { create, toBinary } from "@bufbuild/protobuf";
import { FrameTooLargeError, remoteOf } from "@tsakt/remote";
import { EnvelopeKind } from "@tsakt/remote/internal";
import { describe, expect, it } from "vitest";
import { FrameReader } from "../src/wire/frame-reader.js";
import { closedWithin, envelopeFrame, handshakeFrame } from "./support/frames.js";
import { recordingLogger, startNode } from "./support/nodes.js";
import { eventually } from "./support/processes.js";
import { schema, testRegistry } from "./support/schemas.js";

const Greet = schema(testRegistry(), "testdata.Greet");
const limit = 100_000;

/** A TELL of a Greet to `receiver` whose envelope is exactly `size` bytes (the frame's length field says `size`). */
function tellOfSize(receiver: string, size: number): Buffer {
  const make = (whoBytes: number) =>
    envelopeFrame({
      kind: EnvelopeKind.TELL,
      receiver,
      typeName: Greet.typeName,
      payload: toBinary(Greet, create(Greet, { who: "x".repeat(whoBytes) })),
    });
  let who = size;
  for (let i = 0; i < 8; i++) {
    const out = make(who);
    const got = out.length - 4;
    if (got === size) return out;
    who -= got - size;
  }
  throw new Error(`no Greet envelope of exactly ${size} bytes`);
}

/**
 * A raw client that has finished the handshake with the node at `port` (it saw the node's Challenge and Handshake),
 * claiming to be the node at 127.0.0.1:`ownPort`.
 */
function handshaken(port: number, ownPort: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    let frames = 0;
    const reader = new FrameReader(1 << 20, {
      onFrame: () => {
        if (++frames === 2) resolve(socket);
      },
      onOversize: () => reject(new Error("oversized handshake answer")),
    });
    const socket = connect({ host: "127.0.0.1", port }, () => socket.write(handshakeFrame({ port: ownPort, nodeId: `raw-${ownPort}` })));
    socket.on("error", reject);
    socket.on("data", (chunk: Buffer) => reader.push(chunk));
  });
}

describe("maxFrameBytes on a connection", () => {
  it("delivers a frame of exactly maxFrameBytes and closes only the connection whose frame is one byte over", async () => {
    const logger = recordingLogger();
    const system = await startNode({ maxFrameBytes: limit }, "limited", logger);
    const got: number[] = [];
    const sink = await system.spawnFunc("sink", (ctx) => {
      if (ctx.is(Greet)) got.push((ctx.message as unknown as { who: string }).who.length);
    });
    const port = Number(remoteOf(system).address.split(":").at(-1));
    const exact = tellOfSize(sink.address, limit);
    expect(exact.readUInt32BE(0)).toBe(limit);

    const good = await handshaken(port, 7);
    const bad = await handshaken(port, 8);
    good.write(exact);
    await eventually(() => got.length === 1, 5000, "the frame of exactly maxFrameBytes delivered");
    const whoLength = got[0] as number;
    expect(whoLength).toBeGreaterThan(limit - 256);

    const over = Buffer.alloc(4);
    over.writeUInt32BE(limit + 1, 0);
    bad.write(over);
    expect(await closedWithin(bad, 5000)).toBe(true);
    const failure = await eventually(
      () => logger.entries.find((e) => (e.fields.err as { code?: string } | undefined)?.code === "FrameTooLarge"),
      5000,
      "the logged FrameTooLargeError",
    );
    const err = failure.fields.err as FrameTooLargeError;
    expect(err).toBeInstanceOf(FrameTooLargeError);
    expect([err.size, err.limit]).toEqual([limit + 1, limit]);

    // The other connection is untouched: it still delivers frames at the limit.
    expect(good.destroyed).toBe(false);
    good.write(exact);
    await eventually(() => got.length === 2, 5000, "a second frame on the connection that kept to the limit");
    expect(got).toEqual([whoLength, whoLength]);
    good.destroy();
  });
});
