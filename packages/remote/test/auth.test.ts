import { createServer, type Socket } from "node:net";
import { create, toBinary } from "@bufbuild/protobuf";
import { type ActorSystem, isTsaktError, type ReceiveContext, TerminatedSchema } from "@tsakt/actor";
import { hostOf } from "@tsakt/actor/internal";
import { remoteOf } from "@tsakt/remote";
import { EnvelopeKind, openToClients, Role } from "@tsakt/remote/internal";
import { describe, expect, it } from "vitest";
import { closedWithin, envelopeFrame, rawSocket } from "./support/frames.js";
import { startNode } from "./support/nodes.js";
import { type ChildNode, eventually, startChild } from "./support/processes.js";
import { rawDial } from "./support/raw-handshake.js";
import { schema, testImageFile, testRegistry } from "./support/schemas.js";

const registry = testRegistry();
const Greet = schema(registry, "testdata.Greet");
const secret = "members-secret-0123456789abcdef";
const clientSecret = "clients-secret-0123456789abcdef";
const portOf = (address: string) => Number(address.slice(address.lastIndexOf(":") + 1));

/** Greet tells the child's echo actor counted so far, asked by `system`. */
async function counted(system: ActorSystem, server: ChildNode): Promise<bigint> {
  const echo = await system.actorOf(`${server.address}/user/echo`);
  return ((await echo.ask(create(Greet, { who: "count" }))) as { n: bigint }).n;
}

describe("the shared-secret handshake", () => {
  it("refuses a recorded handshake replayed verbatim, and delivers nothing that came with it", async () => {
    const server = await startChild("node.mjs", { name: "server", image: testImageFile(), auth: { secret } });
    const port = portOf(server.address);
    const member = await startNode({ auth: { secret } }, "member");
    // A complete, valid handshake and one tell after it, as a recording on the network would see them.
    const recorded = await rawDial({ port, system: "member", claimedPort: 9, nodeId: "recorded", secret });
    expect(recorded.acceptor?.system).toBe("server");
    const tell = envelopeFrame({
      kind: EnvelopeKind.TELL,
      receiver: `${server.address}/user/echo`,
      typeName: "testdata.Greet",
      payload: toBinary(Greet, create(Greet, { who: "recorded" })),
    });
    recorded.socket.write(tell);
    await eventually(async () => (await counted(member, server)) === 1n, 5000, "the recorded tell delivered once");
    recorded.socket.destroy();

    const replay: Socket = await rawSocket(port);
    replay.write(Buffer.concat([...recorded.written, tell]));
    expect(await closedWithin(replay, 5000)).toBe(true);
    expect(await counted(member, server)).toBe(1n);
    await eventually(() => server.stderr().includes('"code":"AuthenticationFailed"'), 5000, "the refusal in the server's log");
  });

  it("a dialer refuses an acceptor that replays another connection's answers, before it says who it is", async () => {
    const server = await startChild("node.mjs", { name: "server", image: testImageFile(), auth: { secret } });
    const recorded = await rawDial({ port: portOf(server.address), system: "member", claimedPort: 9, nodeId: "recorded", secret });
    recorded.socket.destroy();
    // A fake node that answers every Hello with the server's recorded Challenge and Handshake.
    const heard: Buffer[] = [];
    const fake = createServer((socket) => {
      socket.on("error", () => {});
      socket.on("data", (d: Buffer) => {
        if (heard.length === 0) socket.write(Buffer.concat(recorded.answers));
        heard.push(d);
      });
    });
    await new Promise<void>((r) => fake.listen(0, "127.0.0.1", r));
    try {
      const fakePort = (fake.address() as { port: number }).port;
      const member = await startNode({ auth: { secret }, connectTimeoutMs: 2000 }, "member");
      const error = await member.actorOf(`tsakt://server@127.0.0.1:${fakePort}/user/echo`).catch((e: unknown) => e);
      expect(isTsaktError((error as Error).cause, "AuthenticationFailed")).toBe(true);
      // The member sent its Hello and nothing more: no identity, no node id.
      const sent = Buffer.concat(heard);
      expect(sent.includes(Buffer.from("tsakt.remote.v1.Hello"))).toBe(true);
      expect(sent.includes(Buffer.from("tsakt.remote.v1.Handshake"))).toBe(false);
      expect(sent.includes(Buffer.from("member"))).toBe(false);
    } finally {
      fake.close();
    }
  });

  it("a node with the wrong secret is refused both ways, and the refusal names the code", async () => {
    const server = await startChild("node.mjs", { name: "server", image: testImageFile(), auth: { secret } });
    const wrong = await startNode({ auth: { secret: "another-secret-0123456789abcdef" }, connectTimeoutMs: 2000 }, "wrong");
    const error = await wrong.actorOf(`${server.address}/user/echo`).catch((e: unknown) => e);
    expect(isTsaktError((error as Error).cause, "AuthenticationFailed")).toBe(true);
    const plain = await startNode({ connectTimeoutMs: 2000 }, "plain");
    const refused = await plain.actorOf(`${server.address}/user/echo`).catch((e: unknown) => e);
    expect(isTsaktError((refused as Error).cause, "AuthenticationFailed")).toBe(true);
    const member = await startNode({ auth: { secret } }, "member");
    expect(await counted(member, server)).toBe(0n);
  });

  it("refuses a proof made for another address: a relay of a real node's handshake fails", async () => {
    const server = await startChild("node.mjs", { name: "server", image: testImageFile(), auth: { secret } });
    const relayed = await rawDial({
      port: portOf(server.address),
      system: "member",
      claimedPort: 9,
      nodeId: "relay",
      secret,
      target: { host: "127.0.0.1", port: 1 },
    });
    expect(relayed.refused).toMatchObject({ code: "IdentityMismatch" });
  });
});

describe("clients", () => {
  /** A member that accepts clients, with a user actor and two system actors, one opened to clients. */
  async function member(): Promise<{ system: ActorSystem; told: string[] }> {
    const system = await startNode({ auth: { secret, clientSecret } }, "member");
    const told: string[] = [];
    const echo = (name: string) => (ctx: ReceiveContext) => {
      if (ctx.is(Greet)) {
        const who = (ctx.message as unknown as { who: string }).who;
        told.push(`${name}:${who}`);
        if (ctx.sender !== undefined) ctx.respond(create(Greet, { who: `${name} ${who}` }));
      }
    };
    await system.spawnFunc("echo", echo("user"));
    await hostOf(system).spawnSystemActor("gateway", () => ({ receive: echo("gateway") }));
    await hostOf(system).spawnSystemActor("cluster", () => ({ receive: echo("cluster") }));
    openToClients(system, "gateway");
    return { system, told };
  }

  it("a client calls user actors and the system actors opened to clients; members-only actors, spawn and stop are refused", async () => {
    const m = await member();
    const address = remoteOf(m.system).address;
    const client = await startNode({ role: "client", auth: { clientSecret } }, "app");
    const echo = await client.actorOf(`${address}/user/echo`);
    expect(await echo.ask(create(Greet, { who: "a" }))).toMatchObject({ who: "user a" });
    const gateway = remoteOf(client).pidOf(`${address}/system/gateway`);
    expect(await gateway.ask(create(Greet, { who: "b" }))).toMatchObject({ who: "gateway b" });
    const cluster = remoteOf(client).pidOf(`${address}/system/cluster`);
    const denied = await cluster.ask(create(Greet, { who: "c" })).catch((e: unknown) => e);
    expect(isTsaktError(denied, "AccessDenied")).toBe(true);
    expect(cluster.tell(create(Greet, { who: "d" }))).toBe(true);
    const spawn = await remoteOf(client)
      .spawn(address, "x", "greeter")
      .catch((e: unknown) => e);
    expect(isTsaktError(spawn, "AccessDenied")).toBe(true);
    const stop = await remoteOf(client)
      .stop(echo)
      .catch((e: unknown) => e);
    expect(isTsaktError(stop, "AccessDenied")).toBe(true);
    // A round trip after the tell: it was dropped, not delayed.
    expect(await echo.ask(create(Greet, { who: "e" }))).toMatchObject({ who: "user e" });
    expect(m.told).toEqual(["user:a", "gateway:b", "user:e"]);
    expect(m.system.localActorOf("/user/echo")).toBeDefined();
  });

  it("a client refused a system actor reaches it on the same connection once a plugin opened it to clients", async () => {
    const m = await member();
    const address = remoteOf(m.system).address;
    const client = await startNode({ role: "client", auth: { clientSecret } }, "app");
    // Not opened yet (a gateway plugin that has not started): refused, twice in a row on one connection.
    const later = remoteOf(client).pidOf(`${address}/system/later`);
    await hostOf(m.system).spawnSystemActor("later", () => ({
      receive: (ctx: ReceiveContext) => {
        if (ctx.is(Greet)) ctx.respond(create(Greet, { who: "later" }));
      },
    }));
    for (let i = 0; i < 2; i++)
      expect(isTsaktError(await later.ask(create(Greet, { who: "x" })).catch((e: unknown) => e), "AccessDenied")).toBe(true);
    openToClients(m.system, "later");
    expect(await later.ask(create(Greet, { who: "y" }))).toMatchObject({ who: "later" });
    expect(remoteOf(client).stats().connections).toBe(1);
  });

  it("a client may watch a member's actor", async () => {
    const m = await member();
    const client = await startNode({ role: "client", auth: { clientSecret } }, "app");
    const echo = await client.actorOf(`${remoteOf(m.system).address}/user/echo`);
    const notices: string[] = [];
    await client.spawnFunc("watcher", (ctx) => {
      if (ctx.message === "go") ctx.watch(echo);
      else if (ctx.is(TerminatedSchema)) notices.push(ctx.message.address);
    });
    (client.localActorOf("/user/watcher") as { tell(m: unknown): boolean }).tell("go");
    // Whether the Watch arrives before or after the stop, the watcher is told (a missing actor answers at once).
    await m.system.stopActor("/user/echo");
    await eventually(() => notices.length === 1, 5000, "Terminated at the client");
  });

  it("a client without the client secret, or posing as a member with it, is refused", async () => {
    const m = await member();
    const address = remoteOf(m.system).address;
    const wrong = await startNode({ role: "client", auth: { clientSecret: "not-the-client-secret-0123" }, connectTimeoutMs: 2000 }, "app");
    const e1 = await wrong.actorOf(`${address}/user/echo`).catch((e: unknown) => e);
    expect(isTsaktError((e1 as Error).cause, "AuthenticationFailed")).toBe(true);
    const posing = await rawDial({
      port: portOf(address),
      system: "app",
      claimedPort: 9,
      nodeId: "p",
      role: Role.MEMBER,
      secret: clientSecret,
    });
    expect(posing.refused).toMatchObject({ code: "AuthenticationFailed" });
    const asClient = await rawDial({
      port: portOf(address),
      system: "app",
      claimedPort: 9,
      nodeId: "c",
      role: Role.CLIENT,
      secret: clientSecret,
    });
    expect(asClient.acceptor?.role).toBe(Role.MEMBER);
    const asMembers = await rawDial({
      port: portOf(address),
      system: "member",
      claimedPort: 9,
      nodeId: "c",
      role: Role.CLIENT,
      secret: clientSecret,
    });
    // A client may not use the members' system name, so nothing addressed to members can be routed to it.
    expect(asMembers.refused).toMatchObject({ code: "IdentityMismatch" });
  });

  it("without auth a declared client is held to the same limits (it could declare itself a member: plaintext trusts what nodes say)", async () => {
    const system = await startNode({}, "member");
    await hostOf(system).spawnSystemActor("cluster", () => ({
      receive: (ctx: ReceiveContext) => ctx.respond(create(Greet, { who: "x" })),
    }));
    const client = await startNode({ role: "client" }, "app");
    const denied = await remoteOf(client)
      .pidOf(`${remoteOf(system).address}/system/cluster`)
      .ask(create(Greet, { who: "c" }))
      .catch((e: unknown) => e);
    expect(isTsaktError(denied, "AccessDenied")).toBe(true);
  });
});
