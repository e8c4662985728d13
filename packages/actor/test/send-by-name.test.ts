import { ActorNotFoundError, type ActorSystem, type PID, type Plugin } from "@tsakt/actor";
import { eventually } from "@tsakt/testkit";
import { describe, expect, it } from "vitest";
import { startSystem } from "./helpers.js";

/** Stands in for a cluster: resolves "orders" to whichever local actor currently hosts it, counting lookups. */
function directory(): Plugin & { host: PID | undefined; lookups: number } {
  const plugin = {
    name: "directory",
    host: undefined as PID | undefined,
    lookups: 0,
    start(_system: ActorSystem) {},
    stop() {},
    async resolve(name: string): Promise<PID | undefined> {
      if (name !== "orders") return undefined;
      plugin.lookups++;
      return plugin.host;
    },
  };
  return plugin;
}

describe("send by name", () => {
  it("tells and asks a local actor by name, resolving it once", async () => {
    const system = await startSystem();
    const seen: string[] = [];
    await system.spawnFunc("counter", (ctx) => {
      if (typeof ctx.message !== "string") return;
      seen.push(ctx.message);
      if (ctx.sender !== undefined) ctx.respond(seen.length);
    });
    for (let i = 0; i < 100; i++) expect(await system.tell("counter", `t${i}`)).toBe(true);
    expect(await system.ask<number>("counter", "q")).toBe(101);
    expect(system.names.resolutions).toBe(1);
    await expect(system.tell("nobody", "x")).rejects.toBeInstanceOf(ActorNotFoundError);
  });

  it("hits the cache while the actor lives and resolves again after it relocated", async () => {
    const plugin = directory();
    const system = await startSystem({ plugins: [plugin] });
    const got: string[] = [];
    const host = (tag: string) => (ctx: { message: unknown; sender?: PID | undefined; respond(m: unknown): void }) => {
      if (typeof ctx.message !== "string") return;
      got.push(`${tag}:${ctx.message}`);
      if (ctx.sender !== undefined) ctx.respond(tag);
    };
    plugin.host = await system.spawnFunc("orders-on-a", host("a"));
    for (let i = 0; i < 1_000; i++) await system.tell("orders", `m${i}`);
    expect(await system.ask("orders", "where")).toBe("a");
    expect(plugin.lookups).toBe(1);
    // Relocation: the actor stops where it was and comes back elsewhere; the cache drops it on Terminated.
    const old = plugin.host;
    plugin.host = await system.spawnFunc("orders-on-b", host("b"));
    await system.stopActor(old);
    await eventually("the stale entry dropped", () => system.names.size === 0);
    expect(await system.ask("orders", "where")).toBe("b");
    await system.tell("orders", "after");
    expect(plugin.lookups).toBe(2);
    expect(got.at(-1)).toBe("b:after");
    expect(got.filter((g) => g.startsWith("a:"))).toHaveLength(1_001);
  });

  it("resolves again at once when an ask finds the cached actor dead, before the watch reported it", async () => {
    const plugin = directory();
    const system = await startSystem({ plugins: [plugin] });
    plugin.host = await system.spawnFunc("orders-on-a", (ctx) => void (typeof ctx.message === "string" && ctx.respond("a")));
    expect(await system.ask("orders", "where")).toBe("a");
    const stale: PID = {
      name: "ghost",
      path: "/user/ghost",
      address: "ghost",
      tell: () => false,
      ask: () => Promise.reject(Object.assign(new Error("gone"), { code: "DeadActor", [Symbol.for("tsakt.error")]: true })),
      send: () => Promise.resolve(),
      isAlive: () => true,
    };
    // Put a PID that still reads as alive but refuses asks as dead, as a remote PID can before its node is declared down.
    (system.names as unknown as { pids: Map<string, PID> }).pids.set("orders", stale);
    expect(await system.ask("orders", "where")).toBe("a");
    expect(plugin.lookups).toBe(2);
  });
});
