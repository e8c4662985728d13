import { create } from "@bufbuild/protobuf";
import { broadcast, PoisonPillSchema, router, schedulerOf } from "@tsakt/actor";
import { probe } from "@tsakt/testkit";
import { describe, expect, it } from "vitest";
import { startSystem } from "./helpers.js";

describe("the core, observed through testkit probes", () => {
  it("replies to the probe as sender and reports Terminated after a PoisonPill", async () => {
    const system = await startSystem();
    const echo = await system.spawnFunc("echo", (ctx) => {
      if (typeof ctx.message === "string") ctx.respond(ctx.message.toUpperCase());
    });
    const p = await probe(system);
    p.send(echo, "hi");
    await p.expectMessage("HI");
    expect(p.lastSender).toBe(echo);
    echo.tell(create(PoisonPillSchema));
    await p.expectTerminated(echo);
  });

  it("delivers a scheduled message to a probe at the right time, and nothing after cancel", async () => {
    const system = await startSystem();
    const p = await probe(system);
    const schedule = schedulerOf(system).every(20, p.pid, "tick");
    await p.expectMessage("tick");
    await p.expectMessage("tick");
    schedule.cancel();
    await p.expectNoMessage(60);
  });

  it("broadcasts through a router to routees that forward to a probe", async () => {
    const system = await startSystem();
    const p = await probe(system);
    const pool = await system.spawn(
      "pool",
      router({
        strategy: "round-robin",
        poolSize: 3,
        routee: () => ({
          receive(ctx) {
            if (ctx.message === "hello") p.pid.tell(`from ${ctx.self.name}`);
          },
        }),
      }),
    );
    pool.tell(broadcast("hello"));
    const got = (await p.receiveN(3)) as string[];
    expect(got.sort()).toEqual(["from routee-1", "from routee-2", "from routee-3"]);
  });
});
