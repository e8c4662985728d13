import type { ActorSnapshot } from "@tsakt/actor/internal";
import { actorSnapshot, walkActors } from "@tsakt/actor/internal";
import { eventually } from "@tsakt/testkit";
import { describe, expect, it } from "vitest";
import { startSystem } from "./helpers.js";

function collect(system: Parameters<typeof walkActors>[0], options?: Parameters<typeof walkActors>[2]): ActorSnapshot[] {
  const seen: ActorSnapshot[] = [];
  walkActors(system, (a) => void seen.push(a), options);
  return seen;
}

describe("actor introspection (@tsakt/actor/internal)", () => {
  it("walks every live actor parents first, with depth, children, mailbox and processed counts", async () => {
    const system = await startSystem();
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const parent = await system.spawnFunc("parent", async (ctx) => {
      if (ctx.message === "spawn") {
        await ctx.spawn("child-a", () => ({ receive: (c) => c.respond("a") }));
        await ctx.spawn("child-b", () => ({ receive: () => {} }));
        ctx.respond("ok");
      } else if (ctx.message === "block") await gate;
    });
    await parent.ask("spawn");
    const busy = await system.spawnFunc("busy", () => {});
    for (let i = 0; i < 4; i++) busy.tell(i);
    parent.tell("block");
    for (let i = 0; i < 3; i++) parent.tell(i);
    await eventually(
      "busy to drain its mail and parent to block with 3 queued",
      () => actorSnapshot(system, "/user/busy")?.processed === 5 && actorSnapshot(system, "/user/parent")?.mailbox === 3,
    );

    const user = collect(system, { under: "/user" });
    expect(user.map((a) => a.path)).toEqual(["/user/parent", "/user/parent/child-a", "/user/parent/child-b", "/user/busy"]);
    const byPath = new Map(user.map((a) => [a.path, a]));
    expect(byPath.get("/user/parent")).toMatchObject({ name: "parent", depth: 1, children: 2, mailbox: 3, state: "running" });
    expect(byPath.get("/user/parent/child-a")).toMatchObject({ depth: 2, children: 0 });
    // PostStart plus the four tells.
    expect(byPath.get("/user/busy")?.processed).toBe(5);
    release();
    expect(collect(system, { under: "/user", maxDepth: 1 }).map((a) => a.path)).toEqual(["/user/parent", "/user/busy"]);
    expect(actorSnapshot(system, "/user/parent/child-b")).toMatchObject({ depth: 2, name: "child-b" });
    expect(actorSnapshot(system, "/user")).toBeUndefined();
  });

  it("stops when the visitor returns false and reports an unknown starting path", async () => {
    const system = await startSystem();
    for (const name of ["a", "b", "c"]) await system.spawnFunc(name, () => {});
    const seen: string[] = [];
    expect(walkActors(system, (a) => (seen.push(a.name), seen.length < 2), { under: "/user" })).toBe(true);
    expect(seen).toEqual(["a", "b"]);
    expect(walkActors(system, () => true, { under: "/user/missing" })).toBe(false);
  });
});
