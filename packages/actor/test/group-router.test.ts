import { create } from "@bufbuild/protobuf";
import {
  type ActorFactory,
  broadcast,
  type Deadletter,
  DeadletterSchema,
  GetRouteesSchema,
  groupRouter,
  InvalidOptionError,
  PostStartSchema,
  type ReceiveContext,
  type Routees,
} from "@tsakt/actor";
import { eventually } from "@tsakt/testkit";
import { describe, expect, it } from "vitest";
import { startSystem } from "./helpers.js";

/** Records each message under the actor's name; answers an ask with "<name>:<message>". */
function recording(log: Map<string, unknown[]>): ActorFactory {
  return () => ({
    receive(ctx: ReceiveContext) {
      if (ctx.is(PostStartSchema)) return;
      const got = log.get(ctx.self.name) ?? [];
      log.set(ctx.self.name, got);
      got.push(ctx.message);
      if (ctx.sender !== undefined) ctx.respond(`${ctx.self.name}:${String(ctx.message)}`);
    },
  });
}

describe("group router (existing actors by name)", () => {
  it("round-robin spreads asks evenly over the named actors and keeps the asker as sender", async () => {
    const system = await startSystem();
    const log = new Map<string, unknown[]>();
    for (const name of ["a", "b", "c"]) await system.spawn(name, recording(log));
    const group = await system.spawn("group", groupRouter(system, { strategy: "round-robin", routees: ["a", "b", "c"] }));
    const replies = await Promise.all(Array.from({ length: 30 }, (_, i) => group.ask<string>(i)));
    expect(replies.slice(0, 3)).toEqual(["a:0", "b:1", "c:2"]);
    expect([...log].map(([name, got]) => [name, got.length]).sort()).toEqual([
      ["a", 10],
      ["b", 10],
      ["c", 10],
    ]);
    const routees = await group.ask<Routees>(create(GetRouteesSchema));
    expect(routees.addresses.map((a) => a.split("/").pop()).sort()).toEqual(["a", "b", "c"]);
  });

  it("keeps each routee's messages in order while its name is looked up", async () => {
    const system = await startSystem();
    const log = new Map<string, unknown[]>();
    await system.spawn("only", recording(log));
    const group = await system.spawn("group", groupRouter(system, { strategy: "broadcast", routees: ["only"] }));
    for (let i = 0; i < 500; i++) group.tell(i);
    await eventually("500 delivered", () => log.get("only")?.length === 500);
    expect(log.get("only")).toEqual(Array.from({ length: 500 }, (_, i) => i));
  });

  it("finds a routee again after it stopped and a new actor took its name", async () => {
    const system = await startSystem();
    const log = new Map<string, unknown[]>();
    const first = await system.spawn("worker", recording(log));
    const group = await system.spawn("group", groupRouter(system, { strategy: "round-robin", routees: ["worker"] }));
    expect(await group.ask<string>("one")).toBe("worker:one");
    await system.stopActor(first);
    await system.spawn("worker", recording(log));
    await eventually(
      "the new worker answers through the router",
      async () => (await group.ask<string>("two", { timeoutMs: 200 })) === "worker:two",
      {
        timeoutMs: 5000,
      },
    );
  });

  it("sends the messages of a name nobody holds to dead letters, and the other routees still get theirs", async () => {
    const system = await startSystem();
    const log = new Map<string, unknown[]>();
    await system.spawn("here", recording(log));
    const letters: Deadletter[] = [];
    system.eventStream.subscribe(DeadletterSchema, (d) => letters.push(d));
    const group = await system.spawn("group", groupRouter(system, { strategy: "round-robin", routees: ["here", "nobody"] }));
    for (let i = 0; i < 4; i++) group.tell(i);
    await eventually("two delivered and two dead letters", () => log.get("here")?.length === 2 && letters.length === 2);
    expect(log.get("here")).toEqual([0, 2]);
    expect(letters.map((l) => l.receiver)).toEqual(["nobody", "nobody"]);
    expect(letters[0]?.reason).toMatch(/found no actor named "nobody"/);
  });

  it("consistent-hash sends equal keys to the same routee; Broadcast reaches all", async () => {
    const system = await startSystem();
    const log = new Map<string, unknown[]>();
    for (const name of ["x", "y", "z"]) await system.spawn(name, recording(log));
    const group = await system.spawn(
      "group",
      groupRouter(system, { strategy: "consistent-hash", routees: ["x", "y", "z"], hashKey: (m) => String(m).split("-")[0] as string }),
    );
    const owners = new Set<string>();
    for (let i = 0; i < 20; i++) owners.add((await group.ask<string>(`key7-${i}`)).split(":")[0] as string);
    expect(owners.size).toBe(1);
    group.tell(broadcast("all"));
    await eventually("every routee got the broadcast", () => ["x", "y", "z"].every((n) => log.get(n)?.includes("all")));
  });

  it("rejects bad options, naming the field", () => {
    const system = { actorOf: async () => Promise.reject(new Error("unused")) };
    expect(() => groupRouter(system, { strategy: "round-robin", routees: [] })).toThrow(InvalidOptionError);
    expect(() => groupRouter(system, { strategy: "round-robin", routees: ["a", "a"] })).toThrow(/routees/);
    expect(() => groupRouter(system, { strategy: "smallest-mailbox" as "random", routees: ["a"] })).toThrow(/strategy/);
    expect(() => groupRouter(system, { strategy: "consistent-hash", routees: ["a"] })).toThrow(/hashKey/);
    expect(() => groupRouter(system, { strategy: "random", routees: ["a"], virtualNodes: 3 })).toThrow(/virtualNodes/);
  });
});
