import { createServer } from "node:net";
import { create } from "@bufbuild/protobuf";
import { type PID, TerminatedSchema } from "@tsakt/actor";
import { RemoteUnreachableError, remoteOf } from "@tsakt/remote";
import { staysTrue } from "@tsakt/testkit";
import { beforeAll, describe, expect, it } from "vitest";
import { acceptorFrames } from "./support/frames.js";
import { recordingLogger, startNode } from "./support/nodes.js";
import { eventually, startChild } from "./support/processes.js";
import { schema, testImageFile, testRegistry } from "./support/schemas.js";

const registry = testRegistry();
const Greet = schema(registry, "testdata.Greet");
let image: string;

beforeAll(() => {
  image = testImageFile();
});

/** A local actor that watches what it is told to and records Terminated notices (address and sender). */
async function watcherOn(system: Awaited<ReturnType<typeof startNode>>, name = "watcher") {
  const notices: Array<{ address: string; sender: string | undefined }> = [];
  const pid = await system.spawnFunc(name, (ctx) => {
    const m = ctx.message as { watch?: PID; unwatch?: PID } | undefined;
    if (m?.watch !== undefined) {
      ctx.watch(m.watch);
      ctx.respond("watching");
    } else if (m?.unwatch !== undefined) {
      ctx.unwatch(m.unwatch);
      ctx.respond("unwatched");
    } else if (ctx.is(TerminatedSchema)) notices.push({ address: ctx.message.address, sender: ctx.sender?.address });
  });
  return { pid, notices };
}

describe("death watch across processes", () => {
  it("tells a local watcher when a remote actor stops, and nothing after unwatch", async () => {
    const child = await startChild("node.mjs", { name: "watched", image });
    const system = await startNode();
    const remote = remoteOf(system);
    const a = await remote.spawn(child.address, "a", "greeter");
    const b = await remote.spawn(child.address, "b", "greeter");
    const { pid, notices } = await watcherOn(system);
    expect(await pid.ask({ watch: a })).toBe("watching");
    expect(await pid.ask({ watch: b })).toBe("watching");
    expect(await pid.ask({ unwatch: b })).toBe("unwatched");
    await remote.stop(a);
    await remote.stop(b);
    await eventually(() => notices.length === 1, 5000, "Terminated for a");
    await staysTrue("no Terminated for the unwatched b", () => notices.length === 1, { timeoutMs: 200 });
    expect(notices).toEqual([{ address: a.address, sender: a.address }]);
    expect(a.isAlive()).toBe(false);
    // The watch ended with the notice: the watcher holds no reference to the stopped remote actor.
    expect((pid as unknown as { watchCounts(): { watching: number } }).watchCounts().watching).toBe(0);
  });

  it("tells a watcher at once when the watched remote actor does not exist", async () => {
    const child = await startChild("node.mjs", { name: "empty", image });
    const system = await startNode();
    const ghost = remoteOf(system).pidOf(`${child.address}/user/ghost`);
    const { pid, notices } = await watcherOn(system);
    await pid.ask({ watch: ghost });
    await eventually(() => notices.length === 1, 5000, "Terminated for a missing actor");
    expect(notices[0]?.address).toBe(ghost.address);
  });

  it("tells a remote watcher when a local actor stops", async () => {
    const child = await startChild("node.mjs", { name: "observer", image });
    const system = await startNode();
    const target = await system.spawnFunc("target", () => {});
    const watcher = await system.actorOf(`${child.address}/user/watcher`);
    expect(await watcher.ask({ op: "watch", address: target.address })).toEqual({ ok: true });
    const watchers = () => (target as unknown as { watchCounts(): { watchers: number } }).watchCounts().watchers;
    await eventually(() => watchers() === 1, 5000, "the Watch to reach this node");
    await system.stopActor(target);
    await eventually(
      async () => ((await watcher.ask({ op: "notices" })) as { notices: string[] }).notices.includes(target.address),
      5000,
      "the child to see Terminated",
    );
  });

  it("delivers Terminated and fails in-flight asks when the remote process is SIGKILLed", async () => {
    const child = await startChild("node.mjs", { name: "doomed", image });
    const system = await startNode();
    const echo = await system.actorOf(`${child.address}/user/echo`);
    const slow = await system.actorOf(`${child.address}/user/slow`);
    const { pid, notices } = await watcherOn(system);
    await pid.ask({ watch: echo });
    await pid.ask({ watch: slow });
    const inFlight = slow.ask({ op: "slow", ms: 60_000 }, { timeoutMs: 60_000 }).catch((e: unknown) => e);
    // One round trip on the same connection: the slow ask reached the child before the kill.
    await echo.ask(create(Greet, { who: "ahead" }), { timeoutMs: 5000 });
    const killedAt = Date.now();
    await child.kill();
    await eventually(() => notices.length === 2, 5000, "Terminated for both actors");
    expect(notices.map((n) => n.address).sort()).toEqual([echo.address, slow.address].sort());
    const error = await inFlight;
    expect(error).toBeInstanceOf(RemoteUnreachableError);
    expect(Date.now() - killedAt).toBeLessThan(5000);
    expect(echo.isAlive()).toBe(false);
  });
});

describe("silent peers", () => {
  it("closes a connection whose peer stopped sending, and tells watchers, after idleTimeoutMs", async () => {
    const server = createServer((socket) => {
      socket.once("data", () =>
        socket.write(acceptorFrames({ system: "mute", port: (server.address() as { port: number }).port, nodeId: "mute" })),
      );
      socket.on("error", () => {});
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    try {
      const port = (server.address() as { port: number }).port;
      const system = await startNode({ heartbeatIntervalMs: 50, idleTimeoutMs: 300 });
      const mute = remoteOf(system).pidOf(`tsakt://mute@127.0.0.1:${port}/user/x`);
      const { pid, notices } = await watcherOn(system);
      await pid.ask({ watch: mute });
      await eventually(() => remoteOf(system).stats().connections === 1, 5000, "the connection to open");
      const opened = Date.now();
      await eventually(() => notices.length === 1, 5000, "Terminated after the idle timeout");
      expect(Date.now() - opened).toBeGreaterThanOrEqual(200);
      expect(notices[0]?.address).toBe(mute.address);
      expect(remoteOf(system).stats().connections).toBe(0);
    } finally {
      server.close();
    }
  });
});

describe("reconnection", () => {
  it("reaches the same address again after the peer process restarts", async () => {
    const first = await startChild("node.mjs", { name: "phoenix", image });
    const port = Number(first.address.slice(first.address.lastIndexOf(":") + 1));
    const system = await startNode({ reconnect: { initialDelayMs: 50, maxDelayMs: 200 } });
    const echo = await system.actorOf(`${first.address}/user/echo`);
    expect(await echo.ask(create(Greet, { who: "before" }))).toMatchObject({ who: "hello before" });
    await first.kill();
    await expect(echo.ask(create(Greet, { who: "while down" }), { timeoutMs: 2000 })).rejects.toBeInstanceOf(RemoteUnreachableError);
    const second = await startChild("node.mjs", { name: "phoenix", image, port });
    expect(second.address).toBe(first.address);
    const reply = await eventually(
      () => echo.ask(create(Greet, { who: "after" }), { timeoutMs: 1000 }).catch(() => undefined),
      10_000,
      "an answer from the restarted peer",
    );
    expect(reply).toMatchObject({ who: "hello after" });
    expect(remoteOf(system).stats().connections).toBe(1);
  });

  it("queues tells while the peer is down and delivers them once it is back", async () => {
    const first = await startChild("node.mjs", { name: "later", image });
    const port = Number(first.address.slice(first.address.lastIndexOf(":") + 1));
    await first.kill();
    const system = await startNode({ reconnect: { initialDelayMs: 50, maxDelayMs: 100 } });
    const echo = remoteOf(system).pidOf(`${first.address}/user/echo`);
    for (let i = 0; i < 10; i++) expect(echo.tell(create(Greet, { who: `queued ${i}` }))).toBe(true);
    const queued = () => remoteOf(system).stats().connections === 0 && remoteOf(system).stats().queuedBytes > 0;
    await staysTrue("the tells to stay queued while the peer is down", queued, { timeoutMs: 300 });
    await startChild("node.mjs", { name: "later", image, port });
    await eventually(
      async () => ((await echo.ask(create(Greet, { who: "count" }), { timeoutMs: 1000 })) as { n: bigint }).n === 10n,
      10_000,
      "the queued tells to arrive",
    );
  });
});

describe("one connection per pair of nodes", () => {
  it("keeps a single connection when both nodes dial each other at the same moment", async () => {
    const [logA, logB] = [recordingLogger(), recordingLogger()];
    const a = await startNode({}, "alpha", logA);
    const b = await startNode({}, "beta", logB);
    const onA = await a.spawnFunc("echo", (ctx) => ctx.respond(`a:${String(ctx.message)}`));
    const onB = await b.spawnFunc("echo", (ctx) => ctx.respond(`b:${String(ctx.message)}`));
    const [fromA, fromB] = [remoteOf(a).pidOf(onB.address), remoteOf(b).pidOf(onA.address)];
    // Both asks are written in the same tick, so both nodes dial before either accepts.
    const replies = await Promise.all(Array.from({ length: 50 }, (_, i) => [fromA.ask(`x${i}`), fromB.ask(`y${i}`)]).flat());
    expect(replies.slice(0, 2)).toEqual(["b:x0", "a:y0"]);
    await eventually(
      () => remoteOf(a).stats().connections === 1 && remoteOf(b).stats().connections === 1,
      5000,
      "the duplicate connection to close",
    );
    expect(await fromA.ask("again")).toBe("b:again");
    expect(await fromB.ask("again")).toBe("a:again");
    expect(remoteOf(a).stats().connections).toBe(1);
    // Both sides saw two connections and agreed on the same one to drop.
    const dropped = (log: ReturnType<typeof recordingLogger>) =>
      log.entries.filter((e) => e.msg === "closing a duplicate connection").length;
    expect(dropped(logA)).toBe(1);
    expect(dropped(logB)).toBe(1);
  });

  it("settles on one connection between two child processes that call each other at once", async () => {
    const [b, c] = await Promise.all([startChild("node.mjs", { name: "bee", image }), startChild("node.mjs", { name: "sea", image })]);
    const system = await startNode();
    const [callerB, callerC] = await Promise.all([system.actorOf(`${b.address}/user/caller`), system.actorOf(`${c.address}/user/caller`)]);
    const greet = create(Greet, { who: "peer", n: 1 });
    const [rb, rc] = await Promise.all([
      callerB.ask({ op: "ask", address: `${c.address}/user/echo`, message: greet }, { timeoutMs: 10_000 }),
      callerC.ask({ op: "ask", address: `${b.address}/user/echo`, message: greet }, { timeoutMs: 10_000 }),
    ]);
    expect(rb).toMatchObject({ ok: true, reply: { who: "hello peer" } });
    expect(rc).toMatchObject({ ok: true, reply: { who: "hello peer" } });
    const statsOf = async (address: string) =>
      (await (await system.actorOf(`${address}/user/stats`)).ask({ op: "stats" })) as { connections: number };
    // Each child: one connection to this test process and one to the other child.
    await eventually(
      async () => (await statsOf(b.address)).connections === 2 && (await statsOf(c.address)).connections === 2,
      5000,
      "one connection between the children",
    );
  });
});
