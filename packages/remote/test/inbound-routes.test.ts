import { create } from "@bufbuild/protobuf";
import { ActorNotFoundError, type PID } from "@tsakt/actor";
import { remoteOf } from "@tsakt/remote";
import { type IncomingAsk, incomingAskOf, routeInbound } from "@tsakt/remote/internal";
import { describe, expect, it } from "vitest";
import { startNode } from "./support/nodes.js";
import { schema, testRegistry } from "./support/schemas.js";

const Greet = schema(testRegistry(), "testdata.Greet");

/** A receiver that records what reaches it and answers asks with "<name>: <who>". */
class Recorder implements PID {
  readonly seen: { who: string; ask: IncomingAsk | undefined }[] = [];
  readonly path: string;
  constructor(readonly name: string) {
    this.path = `/system/routed/$to/${name}`;
  }
  get address(): string {
    return this.path;
  }
  tell(message: unknown, sender?: PID): boolean {
    const who = (message as { who: string }).who;
    const ask = incomingAskOf(sender);
    this.seen.push({ who, ask });
    ask?.tell(create(Greet, { who: `${this.name}: ${who}` }));
    return true;
  }
  ask<T>(): Promise<T> {
    return Promise.reject(new Error("not used"));
  }
  send(): Promise<void> {
    return Promise.resolve();
  }
  isAlive(): boolean {
    return true;
  }
}

describe("routes of inbound paths under a system actor", () => {
  it("hand tells and asks sent to a routed path to the receiver its resolver names, which sees an ask's time left", async () => {
    const receiver = await startNode({}, "receiver");
    const sender = await startNode({}, "sender");
    const receivers = new Map<string, Recorder>();
    const resolved: string[] = [];
    routeInbound(receiver, "/system/routed/$to/", (rest) => {
      resolved.push(rest);
      return receivers.get(rest);
    });
    receivers.set("one", new Recorder("one"));
    receivers.set("two", new Recorder("two"));
    const base = `${remoteOf(receiver).address}/system/routed/$to`;
    const one = remoteOf(sender).pidOf(`${base}/one`);
    const two = remoteOf(sender).pidOf(`${base}/two`);

    expect(one.tell(create(Greet, { who: "a tell" }))).toBe(true);
    expect(await one.ask(create(Greet, { who: "an ask" }), { timeoutMs: 5000 })).toMatchObject({ who: "one: an ask" });
    expect(await two.ask(create(Greet, { who: "b" }), { timeoutMs: 5000 })).toMatchObject({ who: "two: b" });
    const seen = receivers.get("one")?.seen ?? [];
    expect(seen.map((s) => s.who)).toEqual(["a tell", "an ask"]);
    // A tell has no incoming ask; an ask's deadline travels with it.
    expect(seen[0]?.ask).toBeUndefined();
    const left = seen[1]?.ask?.remainingMs(-1) ?? -1;
    expect(left).toBeGreaterThan(0);
    expect(left).toBeLessThanOrEqual(5000);
    expect(resolved).toEqual(["one", "two"]);
  });

  it("answer ActorNotFound for a path the resolver knows no receiver of, and leave paths outside the prefix to the actors", async () => {
    const receiver = await startNode({}, "receiver");
    const sender = await startNode({}, "sender");
    routeInbound(receiver, "/system/routed/$to/", () => undefined);
    await receiver.spawnFunc("plain", (ctx) => ctx.respond(create(Greet, { who: "plain" })));
    const address = remoteOf(receiver).address;
    await expect(remoteOf(sender).pidOf(`${address}/system/routed/$to/nobody`).ask(create(Greet), { timeoutMs: 5000 })).rejects.toThrow(
      ActorNotFoundError,
    );
    expect(await remoteOf(sender).pidOf(`${address}/user/plain`).ask(create(Greet), { timeoutMs: 5000 })).toMatchObject({
      who: "plain",
    });
  });

  it("stop routing once removed", async () => {
    const receiver = await startNode({}, "receiver");
    const sender = await startNode({}, "sender");
    const recorder = new Recorder("r");
    const remove = routeInbound(receiver, "/system/routed/$to/", () => recorder);
    const target = `${remoteOf(receiver).address}/system/routed/$to/r`;
    expect(
      await remoteOf(sender)
        .pidOf(target)
        .ask(create(Greet, { who: "x" }), { timeoutMs: 5000 }),
    ).toMatchObject({ who: "r: x" });
    remove();
    // A new connection has no cached receiver: the path now names no actor.
    const other = await startNode({}, "other");
    await expect(
      remoteOf(other)
        .pidOf(target)
        .ask(create(Greet, { who: "y" }), { timeoutMs: 5000 }),
    ).rejects.toThrow(ActorNotFoundError);
    expect(recorder.seen.map((s) => s.who)).toEqual(["x"]);
  });

  it("refuse a prefix that is not a path under a system actor ending in a slash", async () => {
    const receiver = await startNode({}, "receiver");
    for (const prefix of ["/user/x/", "/system/x", "system/x/", "/system//"])
      expect(() => routeInbound(receiver, prefix, () => undefined)).toThrow(expect.objectContaining({ code: "InvalidName" }));
  });
});
