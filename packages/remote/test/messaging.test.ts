import { create } from "@bufbuild/protobuf";
import { DurationSchema } from "@bufbuild/protobuf/wkt";
import { ActorNotFoundError, AskFailedError, AskTimeoutError, isTsaktError, type PID, PoisonPillSchema } from "@tsakt/actor";
import { OutboundQueueFullError, remoteOf, UnknownMessageTypeError } from "@tsakt/remote";
import { beforeAll, describe, expect, it } from "vitest";
import { startNode } from "./support/nodes.js";
import { type ChildNode, eventually, startChild } from "./support/processes.js";
import { schema, testImageFile, testRegistry } from "./support/schemas.js";

const registry = testRegistry();
const Greet = schema(registry, "testdata.Greet");
const Count = schema(registry, "testdata.Count");

let child: ChildNode;

beforeAll(async () => {
  child = await startChild("node.mjs", { name: "child", image: testImageFile() });
});

describe("remote tell and ask between two processes", () => {
  it("answers an ask and delivers tells in order over one connection", async () => {
    const system = await startNode();
    const echo = await system.actorOf(`${child.address}/user/echo`);
    expect(echo.address).toBe(`${child.address}/user/echo`);
    const reply = (await echo.ask(create(Greet, { who: "bob", n: 41 }))) as { $typeName: string; who: string; n: number };
    expect(reply.$typeName).toBe("testdata.Greet");
    expect(reply).toMatchObject({ who: "hello bob", n: 42 });
    const before = (await echo.ask(create(Greet, { who: "count" }))) as { n: bigint };
    for (let i = 0; i < 500; i++) expect(echo.tell(create(Greet, { who: "t", n: i }))).toBe(true);
    await eventually(
      async () => ((await echo.ask(create(Greet, { who: "count" }))) as { n: bigint }).n === before.n + 500n,
      10_000,
      "500 tells counted",
    );
    expect(remoteOf(system).stats().connections).toBe(1);
  });

  it("delivers 200,000 tells in order with none lost", async () => {
    const system = await startNode();
    const sequence = await system.actorOf(`${child.address}/user/sequence`);
    await sequence.ask(create(Greet, { who: "reset" }));
    for (let i = 0; i < 200_000; i++) {
      sequence.tell(create(Greet, { who: "s", n: i }));
      if (i % 10_000 === 0) await new Promise((r) => setImmediate(r));
    }
    const report = await eventually(
      async () => {
        const r = (await sequence.ask(create(Greet, { who: "report" }))) as { received: number; outOfOrder: number };
        return r.received === 200_000 ? r : undefined;
      },
      20_000,
      "all tells to arrive",
    );
    expect(report.outOfOrder).toBe(0);
  });

  it("pushes back when the outbound queue is full: tell returns false, send waits, nothing is lost", async () => {
    const system = await startNode({ maxOutboundBytes: 32 * 1024 });
    const sequence = await system.actorOf(`${child.address}/user/sequence`);
    await sequence.ask(create(Greet, { who: "reset" }));
    let refused = 0;
    for (let i = 0; i < 50_000; i++) {
      const m = create(Greet, { who: "s", n: i });
      if (!sequence.tell(m)) {
        refused++;
        await sequence.send(m);
      }
    }
    expect(refused).toBeGreaterThan(0);
    const full = await sequence.ask(create(Greet, { who: "report" })).catch((e: unknown) => e);
    // The queue may still be full right now; once it drains, asks go through again.
    if (full instanceof Error) expect(full).toBeInstanceOf(OutboundQueueFullError);
    const report = await eventually(
      async () => {
        const r = (await sequence.ask(create(Greet, { who: "report" }))) as { received: number; outOfOrder: number };
        return r.received === 50_000 ? r : undefined;
      },
      20_000,
      "all tells to arrive",
    );
    expect(report.outOfOrder).toBe(0);
  });

  it("answers 1,000 concurrent asks on one connection, each with its own reply", async () => {
    const system = await startNode();
    const echo = await system.actorOf(`${child.address}/user/echo`);
    const replies = await Promise.all(
      Array.from({ length: 1000 }, (_, i) => echo.ask(create(Greet, { who: `n${i}`, n: i }), { timeoutMs: 20_000 })),
    );
    replies.forEach((r, i) => expect(r).toMatchObject({ who: `hello n${i}`, n: i + 1 }));
    expect(remoteOf(system).stats()).toMatchObject({ connections: 1, pendingAsks: 0 });
    const stats = (await (await system.actorOf(`${child.address}/user/stats`)).ask({ op: "stats" })) as { connections: number };
    expect(stats.connections).toBe(1);
  });

  it("replies to a local actor's tell through ctx.respond back across the connection", async () => {
    const system = await startNode();
    const echo = await system.actorOf(`${child.address}/user/echo`);
    const got: Array<{ who: string; from: string | undefined }> = [];
    const client = await system.spawnFunc("client", (ctx) => {
      if (ctx.message === "go") ctx.tell(echo, create(Greet, { who: "ann", n: 1 }));
      else if (ctx.is(Greet)) got.push({ who: (ctx.message as unknown as { who: string }).who, from: ctx.sender?.address });
    });
    client.tell("go");
    await eventually(() => got.length === 1);
    expect(got[0]).toEqual({ who: "hello ann", from: echo.address });
  });

  it("routes the reply of a local ask forwarded to a remote actor back to the asker", async () => {
    const system = await startNode();
    const echo = await system.actorOf(`${child.address}/user/echo`);
    const relay = await system.spawnFunc("relay", (ctx) => ctx.forward(echo));
    expect(await relay.ask(create(Greet, { who: "via relay", n: 0 }))).toMatchObject({ who: "hello via relay", n: 1 });
  });

  it("fails a lookup of a missing actor with ActorNotFoundError, and an ask to it too", async () => {
    const system = await startNode();
    await expect(system.actorOf(`${child.address}/user/nobody`)).rejects.toBeInstanceOf(ActorNotFoundError);
    const ghost = remoteOf(system).pidOf(`${child.address}/user/nobody`);
    await expect(ghost.ask(create(Greet, { who: "x" }))).rejects.toBeInstanceOf(ActorNotFoundError);
  });

  it("rejects an ask whose message type has no serializer with a typed error and a dead letter, without sending", async () => {
    const system = await startNode({ json: false });
    const echo = await system.actorOf(`${child.address}/user/echo`);
    const before = system.deadLetterCount;
    const error = await echo.ask(new Map([["not", "serializable"]])).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UnknownMessageTypeError);
    expect(echo.tell({ plain: "object" })).toBe(false);
    expect(system.deadLetterCount).toBe(before + 2);
    expect(await echo.ask(create(Greet, { who: "still fine" }))).toMatchObject({ who: "hello still fine" });
  });

  it("gets a typed UnknownMessageTypeError from the remote node for a type only the sender knows", async () => {
    const system = await startNode({ types: [registry, DurationSchema] });
    const echo = await system.actorOf(`${child.address}/user/echo`);
    const stats = await system.actorOf(`${child.address}/user/stats`);
    const deadBefore = ((await stats.ask({ op: "stats" })) as { deadLetters: number }).deadLetters;
    const error = await echo.ask(create(DurationSchema, { seconds: 5n })).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UnknownMessageTypeError);
    expect((error as UnknownMessageTypeError).typeName).toBe("google.protobuf.Duration");
    expect(echo.tell(create(DurationSchema, { seconds: 1n }))).toBe(true);
    await eventually(
      async () => ((await stats.ask({ op: "stats" })) as { deadLetters: number }).deadLetters === deadBefore + 2,
      5000,
      "two dead letters on the child",
    );
    expect(await echo.ask(create(Greet, { who: "after" }))).toMatchObject({ who: "hello after" });
  });

  it("carries plain objects with the opt-in JSON serializer", async () => {
    const system = await startNode();
    const echo = await system.actorOf(`${child.address}/user/echo`);
    expect(await echo.ask({ op: "echo-json", list: [1, "two", { three: true }] })).toEqual({
      op: "echo-json",
      list: [1, "two", { three: true }],
      echoed: true,
    });
  });

  it("spawns, looks up and stops actors on the remote node by registered kind", async () => {
    const system = await startNode();
    const remote = remoteOf(system);
    const spawned = await remote.spawn(child.address, "greeter-1", "greeter");
    expect(spawned.address).toBe(`${child.address}/user/greeter-1`);
    expect(await spawned.ask(create(Greet, { who: "spawned", n: 1 }))).toMatchObject({ who: "hello spawned", n: 2 });
    const found = await remote.lookup(`${child.address}/user/greeter-1`);
    expect(found.address).toBe(spawned.address);
    const unknownKind = await remote.spawn(child.address, "g2", "no-such-kind").catch((e: unknown) => e);
    expect(isTsaktError(unknownKind, "KindNotRegistered")).toBe(true);
    const duplicate = await remote.spawn(child.address, "greeter-1", "greeter").catch((e: unknown) => e);
    expect(isTsaktError(duplicate, "ActorAlreadyExists")).toBe(true);
    await remote.stop(spawned);
    await expect(remote.lookup(`${child.address}/user/greeter-1`)).rejects.toBeInstanceOf(ActorNotFoundError);
    await expect(remote.stop(`${child.address}/user/greeter-1`)).rejects.toBeInstanceOf(ActorNotFoundError);
  });

  it("stops a remote actor from inside an actor with ctx.stop(pid)", async () => {
    const system = await startNode();
    const remote = remoteOf(system);
    const victim = await remote.spawn(child.address, "victim", "greeter");
    const stopper = await system.spawnFunc("stopper", (ctx) => {
      if (ctx.message === "stop it") ctx.stop(victim);
    });
    stopper.tell("stop it");
    await eventually(
      () =>
        remote.lookup(victim.address).then(
          () => false,
          (e: unknown) => e instanceof ActorNotFoundError,
        ),
      5000,
      "the remote actor to stop",
    );
  });

  it("stops a remote actor through system.stopActor(pid)", async () => {
    const system = await startNode();
    const victim = await remoteOf(system).spawn(child.address, "victim-2", "greeter");
    await system.stopActor(victim);
    await expect(remoteOf(system).lookup(victim.address)).rejects.toBeInstanceOf(ActorNotFoundError);
  });

  it("fails a remote ask at once with DeadActor when the actor stops before handling it", async () => {
    const system = await startNode();
    const victim = await remoteOf(system).spawn(child.address, "victim-3", "greeter");
    victim.tell(create(PoisonPillSchema));
    const started = Date.now();
    const error = await victim.ask(create(Greet, { who: "too late" }), { timeoutMs: 15_000 }).catch((e: unknown) => e);
    expect(isTsaktError(error, "DeadActor")).toBe(true);
    // Well before the 15 s timeout: the far side rejected the ask as soon as it found the actor stopped.
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it("fails a remote ask at once with AskFailedError carrying the cause's name, code and message (no stack) when the handler throws", async () => {
    const system = await startNode();
    const thrower = await system.actorOf(`${child.address}/user/thrower`);
    const started = performance.now();
    const error = await thrower.ask({ op: "throw", amount: -5 }, { timeoutMs: 60_000 }).catch((e: unknown) => e);
    const elapsedMs = performance.now() - started;
    expect(error).toBeInstanceOf(AskFailedError);
    const failed = error as AskFailedError;
    expect(failed).toMatchObject({
      code: "AskFailed",
      target: `${child.address}/user/thrower`,
      causeName: "RangeError",
      causeCode: "ERR_BAD_AMOUNT",
      causeMessage: "bad amount -5",
    });
    // Without errorStacks on the far side, no line of its code crosses the wire.
    expect((failed.cause as Error).stack).not.toContain("node.mjs");
    // Far below the 60 s timeout: the reply, not the deadline, ended the ask.
    expect(elapsedMs).toBeLessThan(10_000);
    // The actor was restarted by its supervisor and answers again.
    await expect(thrower.ask({ op: "throw", amount: 1 }, { timeoutMs: 60_000 })).rejects.toMatchObject({ causeMessage: "bad amount 1" });
  });

  it("carries propagated headers to the receiving actor, readable with metadataOf", async () => {
    const system = await startNode({
      propagator: {
        inject(headers) {
          headers["trace-id"] = "abc123";
          headers.auth = "token-1";
        },
        extract: () => undefined,
      },
    });
    const headers = await system.actorOf(`${child.address}/user/headers`);
    const seen = (await headers.ask({ op: "headers" })) as { metadata: Record<string, string>; context: unknown };
    expect(seen.metadata).toEqual({ "trace-id": "abc123", auth: "token-1" });
    expect(seen.context).toEqual({ traceId: "abc123" });
  });

  it("drops a reply that comes after the asker's deadline instead of sending it", async () => {
    const system = await startNode();
    const slow = await system.actorOf(`${child.address}/user/slow`);
    await expect(slow.ask({ op: "slow", ms: 300 }, { timeoutMs: 100 })).rejects.toBeInstanceOf(AskTimeoutError);
    const stats = await system.actorOf(`${child.address}/user/stats`);
    await eventually(
      async () => ((await stats.ask({ op: "stats" })) as { deadLetters: number }).deadLetters > 0,
      5000,
      "late reply dead-lettered",
    );
    expect(remoteOf(system).stats().pendingAsks).toBe(0);
  });

  it("lets the remote node dial back to a local actor it was told about and get its reply", async () => {
    const system = await startNode({}, "dialback");
    const local: PID = await system.spawnFunc("inbox", (ctx) => {
      if (!ctx.is(Greet)) return;
      const m = ctx.message as unknown as { who: string; n: number };
      ctx.respond(m.who === "big" ? create(Count, { n: 1n }) : create(Greet, { who: `hi ${m.who}`, n: m.n * 2 }));
    });
    const caller = await system.actorOf(`${child.address}/user/caller`);
    const result = await caller.ask(
      { op: "ask", address: local.address, message: create(Greet, { who: "x", n: 21 }) },
      { timeoutMs: 10_000 },
    );
    expect(result).toMatchObject({ ok: true, reply: { who: "hi x", n: 42 } });
    const missing = await caller.ask({ op: "ask", address: `${local.address}-missing`, message: { any: 1 } }, { timeoutMs: 10_000 });
    expect(missing).toEqual({ ok: false, code: "ActorNotFound" });
    // The child's JSON reply would contain a bigint: it fails there, and the failure comes back typed.
    const unserializable = await caller
      .ask({ op: "ask", address: local.address, message: create(Greet, { who: "big" }) }, { timeoutMs: 10_000 })
      .catch((e: unknown) => e);
    expect(isTsaktError(unserializable, "SerializationFailed")).toBe(true);
    expect(remoteOf(system).stats().connections).toBe(1);
  });
});

describe("remote ask failures with errorStacks", () => {
  it("sends the thrown error's stack along when the far node has errorStacks on", async () => {
    const debugChild = await startChild("node.mjs", { name: "debug", image: testImageFile(), errorStacks: true });
    const system = await startNode();
    const thrower = await system.actorOf(`${debugChild.address}/user/thrower`);
    const error = (await thrower.ask({ op: "throw", amount: 7 }, { timeoutMs: 60_000 }).catch((e: unknown) => e)) as AskFailedError;
    expect(error).toBeInstanceOf(AskFailedError);
    expect(error.causeName).toBe("RangeError");
    expect((error.cause as Error).stack).toContain("node.mjs");
    await debugChild.kill();
  });
});
