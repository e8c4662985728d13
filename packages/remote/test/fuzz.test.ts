import { create, toBinary } from "@bufbuild/protobuf";
import { TerminatedSchema } from "@tsakt/actor";
import { FrameTooLargeError, remoteOf } from "@tsakt/remote";
import { ActorRefSchema, LookupSchema, SpawnSchema, WatchSchema } from "@tsakt/remote/internal";
import { beforeAll, describe, expect, it } from "vitest";
import { closedWithin, envelopeFrame, frame, handshakeFrame, rawSocket, seededRandom } from "./support/frames.js";
import { startNode } from "./support/nodes.js";
import { type ChildNode, eventually, loggedLine, startChild } from "./support/processes.js";
import { schema, testImageFile, testRegistry } from "./support/schemas.js";

const registry = testRegistry();
const Greet = schema(registry, "testdata.Greet");
let image: string;

interface Stats {
  connections: number;
  fds: number;
  heapUsed: number;
  peers: number;
  actors: number;
  deadLetters: number;
}

beforeAll(() => {
  image = testImageFile();
});

const portOf = (child: ChildNode) => Number(child.address.slice(child.address.lastIndexOf(":") + 1));

describe("hostile input", () => {
  it("survives 100,000 random, truncated, oversized and mistyped frames and keeps serving with no leak", async () => {
    // Frames are fuzzed here, not admission: the handshake rate limit (50 a second from one address by default, tested in
    // limits.test.ts) would refuse many of these connections before their frames were read.
    const child = await startChild("node.mjs", { name: "target", image, maxFrameBytes: 256 * 1024, maxHandshakesPerSecond: 1_000_000 }, [
      "--expose-gc",
    ]);
    const port = portOf(child);
    const system = await startNode();
    const echo = await system.actorOf(`${child.address}/user/echo`);
    const stats = await system.actorOf(`${child.address}/user/stats`);
    const statsNow = async () => (await stats.ask({ op: "stats" }, { timeoutMs: 10_000 })) as Stats;
    expect(await echo.ask(create(Greet, { who: "before" }))).toMatchObject({ who: "hello before" });
    const baseline = await statsNow();

    const r = seededRandom(20261125);
    const pick = <T>(items: readonly T[]): T => items[Math.floor(r() * items.length)] as T;
    const bytes = (max: number) => Uint8Array.from({ length: Math.floor(r() * max) }, () => Math.floor(r() * 256));
    const greet = toBinary(Greet, create(Greet, { who: "fuzz", n: 7 }));
    const receivers = [
      `${child.address}/user/echo`,
      `${child.address}/user/nobody`,
      "/user/echo",
      "",
      "garbage\u0000\uffff",
      `${child.address}/$ask/12345`,
      `${child.address}/$tmp/9`,
      `${child.address}/user`,
      "tsakt://other@127.0.0.1:1/user/x",
    ];
    const types = [
      "testdata.Greet",
      "testdata.Count",
      "tsakt.json",
      "unknown.Type",
      "",
      LookupSchema.typeName,
      SpawnSchema.typeName,
      WatchSchema.typeName,
      TerminatedSchema.typeName,
      "tsakt.remote.v1.Handshake",
      ActorRefSchema.typeName,
    ];
    // Senders name only loopback addresses: replies must never leave 127.0.0.1.
    const senders = ["", "not an address", "tsakt://fuzz@127.0.0.1:1/user/x", `${child.address}/user/echo`];
    const payloads = () =>
      pick([
        () => bytes(48),
        () => greet,
        () => greet.subarray(0, Math.floor(r() * greet.length)),
        () => Buffer.from(JSON.stringify({ op: "echo-json", x: r() })),
        () => Buffer.from("{not json"),
        () => toBinary(WatchSchema, create(WatchSchema, { path: "/user/echo" })),
        () => toBinary(LookupSchema, create(LookupSchema, { path: "/user/echo" })),
        () => new Uint8Array(0),
      ])();
    const mistyped = () =>
      envelopeFrame({
        kind: Math.floor(r() * 8),
        correlationId: Math.floor(r() * 2 ** 32),
        sender: pick(senders),
        receiver: pick(receivers),
        typeName: pick(types),
        payload: payloads(),
        metadata: r() < 0.2 ? { [String(r())]: "v", __proto__: "x" } : {},
        deadlineMs: Math.floor(r() * 3),
      });

    let frames = 0;
    let closedByServer = 0;
    const endings = ["graceful", "garbage", "oversize", "truncated", "abrupt", "no-handshake", "bad-varint"] as const;
    const worker = async (id: number) => {
      while (frames < 100_000) {
        const socket = await rawSocket(port);
        const ending = pick(endings);
        const batch: Buffer[] = [];
        if (ending === "no-handshake") batch.push(mistyped());
        else batch.push(handshakeFrame({ port: 10 + id, nodeId: `fuzz-${id}` }));
        const n = 200 + Math.floor(r() * 800);
        for (let i = 0; i < n; i++) batch.push(mistyped());
        if (ending === "garbage") batch.push(frame(bytes(64)));
        if (ending === "bad-varint")
          batch.push(frame(Buffer.from([0x08, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01])));
        if (ending === "oversize") batch.push(Buffer.from([0x7f, 0xff, 0xff, 0xff, 1, 2, 3]));
        if (ending === "truncated") batch.push(Buffer.from([0, 0, 0x10, 0, 8, 1]));
        frames += batch.length;
        socket.write(Buffer.concat(batch));
        if (ending === "abrupt") socket.destroy();
        else if (ending === "graceful" || ending === "truncated") socket.end();
        if (await closedWithin(socket, 5000)) closedByServer++;
      }
    };
    await Promise.all(Array.from({ length: 6 }, (_, i) => worker(i)));
    expect(frames).toBeGreaterThanOrEqual(100_000);
    expect(closedByServer).toBeGreaterThan(0);

    expect(child.process.exitCode).toBeNull();
    expect(await echo.ask(create(Greet, { who: "after" }), { timeoutMs: 10_000 })).toMatchObject({ who: "hello after" });
    const after = await eventually(
      async () => {
        const s = await statsNow();
        return s.connections === baseline.connections && s.fds <= baseline.fds + 2 ? s : undefined;
      },
      15_000,
      "connections and file descriptors back to the baseline",
    );
    expect(after.actors).toBe(baseline.actors);
    // Most mistyped frames are routed (and end as dead letters) rather than cutting their connection short.
    expect(after.deadLetters - baseline.deadLetters).toBeGreaterThan(40_000);
    // Rough: 100,000 frames must not leave tens of megabytes behind.
    expect(after.heapUsed - baseline.heapUsed).toBeLessThan(32 * 1024 * 1024);
    expect(child.stderr()).toContain('"code":"FrameTooLarge"');
    expect(child.stderr()).toContain('"code":"MalformedFrame"');
  });

  it("closes only the connection that sent a frame over the limit, with a logged typed error", async () => {
    const child = await startChild("node.mjs", { name: "limited", image, maxFrameBytes: 64 * 1024 });
    const system = await startNode();
    const echo = await system.actorOf(`${child.address}/user/echo`);
    const socket = await rawSocket(portOf(child));
    socket.write(handshakeFrame({ port: 2 }));
    socket.write(Buffer.from([0, 0x10, 0, 0]));
    expect(await closedWithin(socket, 5000)).toBe(true);
    const line: string = await loggedLine(child, '"code":"FrameTooLarge"', "the logged error");
    expect(JSON.parse(line)).toMatchObject({ level: "warn", err: { name: "FrameTooLargeError", code: "FrameTooLarge" } });
    expect(await echo.ask(create(Greet, { who: "unaffected" }))).toMatchObject({ who: "hello unaffected" });
    expect(remoteOf(system).stats().connections).toBe(1);
  });

  it("refuses to send a message bigger than the peer accepts, keeping the connection", async () => {
    const child = await startChild("node.mjs", { name: "small", image, maxFrameBytes: 64 * 1024 });
    const system = await startNode();
    const echo = await system.actorOf(`${child.address}/user/echo`);
    const error = await echo.ask(create(Greet, { who: "x".repeat(100_000) })).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(FrameTooLargeError);
    expect(echo.tell(create(Greet, { who: "y".repeat(100_000) }))).toBe(false);
    expect(await echo.ask(create(Greet, { who: "small" }))).toMatchObject({ who: "hello small" });
    expect(remoteOf(system).stats().connections).toBe(1);
  });
});
