import { execFile } from "node:child_process";
import { resolve } from "node:path";
import { promisify } from "node:util";
import * as zlib from "node:zlib";
import { create } from "@bufbuild/protobuf";
import { CompressionUnavailableError, remoteOf, remoting } from "@tsakt/remote";
import { beforeAll, describe, expect, it } from "vitest";
import { nodeBinary } from "../../../tools/test-servers/src/index.js";
import { recordingLogger, startNode } from "./support/nodes.js";
import { ensureBuilt, startChild } from "./support/processes.js";
import { schema, testImageFile, testRegistry } from "./support/schemas.js";

const Greet = schema(testRegistry(), "testdata.Greet");
let image: string;

beforeAll(() => {
  image = testImageFile();
});

/** The compression the dialing node logged for its connection. */
function negotiated(log: ReturnType<typeof recordingLogger>): unknown {
  return log.entries.find((e) => e.msg === "remoting connection open")?.fields.compression;
}

describe("compression negotiated per connection", () => {
  for (const algorithm of ["gzip", "brotli"] as const) {
    it(`carries asks and a large message compressed with ${algorithm}`, async () => {
      const child = await startChild("node.mjs", { name: `z-${algorithm}`, image, compression: [algorithm] });
      const log = recordingLogger();
      const system = await startNode({ compression: algorithm }, "zipper", log);
      const echo = await system.actorOf(`${child.address}/user/echo`);
      expect(negotiated(log)).toBe(algorithm);
      const replies = await Promise.all(Array.from({ length: 200 }, (_, i) => echo.ask(create(Greet, { who: `z${i}`, n: i }))));
      replies.forEach((r, i) => expect(r).toMatchObject({ who: `hello z${i}`, n: i + 1 }));
      const before = remoteOf(system).stats().bytesSent;
      const big = "tsakt ".repeat(200_000);
      expect(await echo.ask(create(Greet, { who: big }), { timeoutMs: 10_000 })).toMatchObject({ who: `hello ${big}` });
      // 1.2 MB of repetitive text goes out as a small fraction of that.
      expect(remoteOf(system).stats().bytesSent - before).toBeLessThan(120_000);
    });
  }

  it("settles on the dialer's first choice that the acceptor accepts", async () => {
    const child = await startChild("node.mjs", { name: "z-pick", image, compression: ["gzip"] });
    const log = recordingLogger();
    const system = await startNode({ compression: ["brotli", "gzip"] }, "picky", log);
    const echo = await system.actorOf(`${child.address}/user/echo`);
    expect(await echo.ask(create(Greet, { who: "pick" }))).toMatchObject({ who: "hello pick" });
    expect(negotiated(log)).toBe("gzip");
  });

  it("falls back to no compression when the acceptor does not compress", async () => {
    const child = await startChild("node.mjs", { name: "z-none", image });
    const log = recordingLogger();
    const system = await startNode({ compression: "gzip" }, "hopeful", log);
    const echo = await system.actorOf(`${child.address}/user/echo`);
    expect(await echo.ask(create(Greet, { who: "plain" }))).toMatchObject({ who: "hello plain" });
    expect(negotiated(log)).toBe("none");
  });
});

/** True when this test process's Node.js has zlib's zstd (22.15+, 23.8+). */
const zstdHere = typeof (zlib as { createZstdCompress?: unknown }).createZstdCompress === "function";
/** A Node.js that has zstd for the two processes below: this one's, else Node 24 from npm (skipped outside CI when npm cannot get it). */
const zstdNode = zstdHere ? { path: process.execPath } : nodeBinary(24);

describe("zstd", () => {
  it("is refused with CompressionUnavailableError where the runtime lacks it, and accepted where it has it", () => {
    const make = () => remoting({ compression: ["zstd", "gzip"] });
    if (zstdHere) expect(make).not.toThrow();
    else {
      expect(make).toThrow(CompressionUnavailableError);
      expect(make).toThrow(/zstd needs Node 22\.15\+ or 23\.8\+/);
    }
  });

  it.skipIf(zstdNode.path === undefined && process.env.CI !== "true")(
    "is negotiated between two processes on a runtime that has it, and carries asks and a large message",
    async () => {
      if (zstdNode.path === undefined)
        throw new Error(`no Node.js with zstd for this test: ${"reason" in zstdNode ? zstdNode.reason : ""}`);
      const child = await startChild("node.mjs", { name: "z-zstd", image, compression: ["zstd"] }, [], zstdNode.path);
      ensureBuilt();
      const { stdout } = await promisify(execFile)(zstdNode.path, [resolve(import.meta.dirname, "fixtures/compressed-dialer.mjs")], {
        env: { ...process.env, TSAKT_NODE: JSON.stringify({ image, target: child.address, compression: ["zstd", "gzip"] }) },
        timeout: 30_000,
      });
      const result = JSON.parse(stdout.trim().split("\n").pop() as string) as Record<string, unknown>;
      expect(result).toMatchObject({ negotiated: "zstd", replies: 200, bigEcho: true });
      // 1.2 MB of repetitive text goes out as a small fraction of that.
      expect(result.bytesSent).toBeLessThan(120_000);
    },
    240_000,
  );
});
