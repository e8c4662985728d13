import { create } from "@bufbuild/protobuf";
import { remoteOf } from "@tsakt/remote";
import { beforeAll, describe, expect, it } from "vitest";
import { recordingLogger, startNode } from "./support/nodes.js";
import { startChild } from "./support/processes.js";
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
