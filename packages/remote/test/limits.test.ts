import { connect, type Socket } from "node:net";
import { create } from "@bufbuild/protobuf";
import { describe, expect, it } from "vitest";
import { handshakeFrame, seededRandom } from "./support/frames.js";
import { startNode } from "./support/nodes.js";
import { eventually, startChild } from "./support/processes.js";
import { schema, testImageFile, testRegistry } from "./support/schemas.js";

const Greet = schema(testRegistry(), "testdata.Greet");

interface Stats {
  connections: number;
  pendingHandshakes: number;
}

describe("connection limits", () => {
  it("hold under 10,000 connection attempts from three addresses, refusing what is over and logging once per interval", async () => {
    const limits = { maxConnectionsPerAddress: 8, maxPendingHandshakes: 12, maxHandshakesPerSecond: 100 };
    const child = await startChild("node.mjs", { name: "target", image: testImageFile(), handshakeTimeoutMs: 500, ...limits });
    const port = Number(child.address.slice(child.address.lastIndexOf(":") + 1));
    // The observer's own connection comes from 127.0.0.1 too: one of its 8.
    const observer = await startNode();
    const echo = await observer.actorOf(`${child.address}/user/echo`);
    const stats = await observer.actorOf(`${child.address}/user/stats`);
    let maxOpen = 0;
    let maxPending = 0;
    let polling = true;
    const poll = (async () => {
      while (polling) {
        const s = (await stats.ask({ op: "stats" }, { timeoutMs: 5000 })) as Stats;
        maxOpen = Math.max(maxOpen, s.connections);
        maxPending = Math.max(maxPending, s.pendingHandshakes);
      }
    })();

    const r = seededRandom(13);
    // Loopback answers from any 127.x address: three sources, so the per-address and the global limits both bind.
    const sources = ["127.0.0.1", "127.0.0.2", "127.0.0.3", "127.0.0.4"] as const;
    const per = new Map(sources.map((s) => [s, { answered: 0, heldOpen: 0, maxHeldOpen: 0 }]));
    let attempts = 0;
    const kinds = [
      "handshake-and-hold",
      "handshake-and-hold",
      "handshake-and-hold",
      "handshake-and-close",
      "handshake-and-close",
      "silent",
      "oversize",
      "connect-close",
    ] as const;
    const started = performance.now();
    const one = (kind: (typeof kinds)[number], source: (typeof sources)[number]) =>
      new Promise<void>((resolve) => {
        const count = per.get(source) as { answered: number; heldOpen: number; maxHeldOpen: number };
        const socket: Socket = connect({ host: "127.0.0.1", port, localAddress: source });
        let got = false;
        let finished = false;
        const finish = () => {
          if (finished) return;
          finished = true;
          // Counted down before the socket goes, so this count is never above the server's.
          if (got) count.heldOpen--;
          socket.destroy();
          resolve();
        };
        const timer = setTimeout(finish, kind === "silent" ? 800 : 200 + r() * 400);
        socket.on("error", () => {});
        socket.on("close", () => {
          clearTimeout(timer);
          finish();
        });
        socket.on("data", () => {
          if (got || finished) return;
          // The node answered the Hello with its Challenge: this connection was admitted and counts.
          got = true;
          count.answered++;
          count.heldOpen++;
          count.maxHeldOpen = Math.max(count.maxHeldOpen, count.heldOpen);
          if (kind === "handshake-and-close") finish();
        });
        socket.on("connect", () => {
          if (kind === "handshake-and-hold" || kind === "handshake-and-close") socket.write(handshakeFrame({ port: 1 }));
          else if (kind === "oversize") socket.write(Buffer.from([0x00, 0x10, 0x00, 0x00, 1, 2, 3]));
          else if (kind === "connect-close") finish();
        });
      });
    // 8,000 attempts of every kind from three addresses: the per-address and pending limits bind.
    const worker = async (w: number) => {
      const source = sources[w % 3] as (typeof sources)[number];
      while (attempts < 8000) {
        attempts++;
        await one(kinds[Math.floor(r() * kinds.length)] as (typeof kinds)[number], source);
      }
    };
    await Promise.all(Array.from({ length: 60 }, (_, w) => worker(w)));
    // 2,000 quick handshakes from a fourth address: the handshake rate binds.
    const burstStarted = performance.now();
    const burst = async () => {
      while (attempts < 10_000) {
        attempts++;
        await one("handshake-and-close", "127.0.0.4");
      }
    };
    await Promise.all(Array.from({ length: 20 }, burst));
    const burstS = (performance.now() - burstStarted) / 1000;
    const elapsedS = (performance.now() - started) / 1000;
    polling = false;
    await poll;

    if (process.env.TSAKT_PRINT === "1") console.log(JSON.stringify({ elapsedS, burstS, per: [...per], maxOpen, maxPending }));
    expect(attempts).toBe(10_000);
    for (const [source, c] of per) {
      // The observer holds one of 127.0.0.1's connections.
      expect(c.maxHeldOpen, source).toBeLessThanOrEqual(limits.maxConnectionsPerAddress - (source === "127.0.0.1" ? 1 : 0));
      // A token bucket: at most its burst plus the rate over the run were admitted.
      expect(c.answered, source).toBeGreaterThan(0);
      expect(c.answered, source).toBeLessThanOrEqual(limits.maxHandshakesPerSecond * (elapsedS + 1));
    }
    // The fourth address got its burst and then the rate, no more.
    const fourth = per.get("127.0.0.4")?.answered ?? 0;
    expect(fourth).toBeGreaterThanOrEqual(limits.maxHandshakesPerSecond);
    expect(fourth).toBeLessThanOrEqual(limits.maxHandshakesPerSecond * (1 + burstS) + 5);
    expect(maxOpen).toBeLessThanOrEqual(4 * limits.maxConnectionsPerAddress);
    expect(maxPending).toBeLessThanOrEqual(limits.maxPendingHandshakes);
    // The node still serves, and the flood cost a few log lines, not thousands.
    expect(child.process.exitCode).toBeNull();
    expect(await echo.ask(create(Greet, { who: "after" }), { timeoutMs: 5000 })).toMatchObject({ who: "hello after" });
    const refusals = child
      .stderr()
      .split("\n")
      .filter((l) => l.includes('"code":"ConnectionLimit"'));
    expect(refusals.length).toBeGreaterThan(0);
    expect(refusals.length).toBeLessThanOrEqual(3 * (Math.ceil(elapsedS / 10) + 1));
    expect(refusals.some((l) => (JSON.parse(l) as { suppressed?: number }).suppressed !== undefined) || refusals.length <= 3).toBe(true);
    const lines = child
      .stderr()
      .split("\n")
      .filter((l) => l.trim() !== "").length;
    expect(lines).toBeLessThan(60);
    await eventually(
      async () => ((await stats.ask({ op: "stats" }, { timeoutMs: 5000 })) as Stats).pendingHandshakes === 0,
      5000,
      "no handshake left pending",
    );
  });
});
