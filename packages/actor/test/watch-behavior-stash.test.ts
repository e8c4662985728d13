import { type Behavior, type PID, type ReceiveContext, type SpawnOptions, StashFullError, TerminatedSchema } from "@tsakt/actor";
import { parentWatches } from "@tsakt/actor/internal";
import { eventually, staysTrue } from "@tsakt/testkit";
import { describe, expect, it } from "vitest";
import { startSystem } from "./helpers.js";

describe("death watch", () => {
  it("delivers Terminated with the stopped actor's address and as sender", async () => {
    const system = await startSystem();
    const target = await system.spawnFunc("target", () => {});
    const notices: Array<{ address: string; sender: string | undefined }> = [];
    await system
      .spawnFunc("watcher", (ctx) => {
        if (ctx.message === "watch") ctx.watch(target);
        if (ctx.is(TerminatedSchema)) notices.push({ address: ctx.message.address, sender: ctx.sender?.address });
      })
      .then((w) => w.tell("watch"));
    await new Promise((r) => setImmediate(r));
    await system.stopActor(target);
    await eventually("the Terminated notice", () => notices.length === 1);
    expect(notices[0]).toEqual({ address: target.address, sender: target.address });
  });

  it("delivers Terminated at once when watching an actor that is already dead, and not after unwatch", async () => {
    const system = await startSystem();
    const dead = await system.spawnFunc("dead", () => {});
    await system.stopActor(dead);
    const alive = await system.spawnFunc("alive", () => {});
    const notices: string[] = [];
    const watcher = await system.spawnFunc("watcher", (ctx) => {
      if (ctx.message === "go") {
        ctx.watch(dead);
        ctx.watch(alive);
        ctx.unwatch(alive);
      }
      if (ctx.is(TerminatedSchema)) notices.push(ctx.message.address);
    });
    watcher.tell("go");
    await eventually("the Terminated notice", () => notices.length === 1);
    await system.stopActor(alive);
    await staysTrue("no notice for the unwatched actor", () => notices.length === 1, { timeoutMs: 50 });
    expect(notices).toEqual([dead.address]);
  });

  it("tells the watchers left after one of two unwatched, and none twice", async () => {
    const system = await startSystem();
    const target = await system.spawnFunc("target", () => {});
    const notices: string[] = [];
    const watcher = (name: string, unwatch: boolean) =>
      system.spawnFunc(name, (ctx) => {
        if (ctx.message === "watch") {
          ctx.watch(target);
          ctx.watch(target);
          if (unwatch) ctx.unwatch(target);
          ctx.respond("ok");
        }
        if (ctx.is(TerminatedSchema)) notices.push(`${name} ${ctx.message.address}`);
      });
    const first = await watcher("first", false);
    const second = await watcher("second", true);
    const third = await watcher("third", false);
    for (const w of [first, second, third]) await w.ask("watch");
    await system.stopActor(target);
    await eventually("the Terminated notices", () => notices.length === 2);
    await staysTrue("no other notice", () => notices.length === 2, { timeoutMs: 50 });
    expect(notices.sort()).toEqual([`first ${target.address}`, `third ${target.address}`]);
  });

  it("tells the parent of a child spawned with parentWatches, as a watch would, without one", async () => {
    const system = await startSystem();
    const notices: Array<{ address: string; sender: string | undefined }> = [];
    let child: PID | undefined;
    const parent = await system.spawnFunc("parent", (ctx) => {
      if (ctx.message === "spawn") {
        const options = { [parentWatches]: true } as SpawnOptions;
        child = ctx.spawn("child", () => ({ receive: () => {} }), options);
        ctx.respond("ok");
      }
      if (ctx.is(TerminatedSchema)) notices.push({ address: ctx.message.address, sender: ctx.sender?.address });
    });
    await parent.ask("spawn");
    const spawned = child as PID;
    await system.stopActor(spawned);
    await eventually("the Terminated notice", () => notices.length === 1);
    expect(notices[0]).toEqual({ address: spawned.address, sender: spawned.address });
  });
});

describe("behaviors", () => {
  it("switches with become and returns with unbecome through a stack", async () => {
    const system = await startSystem();
    const angry: Behavior = (ctx) => {
      if (ctx.message === "calm") ctx.unbecome();
      else if (typeof ctx.message === "string") ctx.respond("GRR");
    };
    const happy: Behavior = (ctx) => {
      if (ctx.message === "poke") ctx.become(angry, { stack: true });
      else if (typeof ctx.message === "string") ctx.respond("yay");
    };
    const pid = await system.spawnFunc("moody", (ctx) => {
      if (ctx.message === "cheer") ctx.become(happy);
      else if (typeof ctx.message === "string") ctx.respond("meh");
    });
    expect(await pid.ask("hi")).toBe("meh");
    pid.tell("cheer");
    expect(await pid.ask("hi")).toBe("yay");
    pid.tell("poke");
    expect(await pid.ask("hi")).toBe("GRR");
    pid.tell("calm");
    expect(await pid.ask("hi")).toBe("yay");
    pid.tell("poke");
    pid.tell("calm");
    // become without stack replaced the initial receive: unbecome from happy goes back to receive.
    expect(await pid.ask("hi")).toBe("yay");
  });
});

describe("stash", () => {
  it("holds messages aside and replays them in order, ahead of newer mail", async () => {
    const system = await startSystem();
    const processed: string[] = [];
    const pid = await system.spawnFunc("door", (ctx: ReceiveContext) => {
      const m = ctx.message;
      if (typeof m !== "string") return;
      if (m === "open") {
        ctx.become((c) => {
          if (typeof c.message === "string") processed.push(c.message);
        });
        ctx.unstashAll();
      } else {
        ctx.stash();
      }
    });
    pid.tell("a");
    pid.tell("b");
    pid.tell("c");
    pid.tell("open");
    pid.tell("d");
    await eventually("4 messages processed", () => processed.length === 4);
    expect(processed).toEqual(["a", "b", "c", "d"]);
  });

  it("unstashes one at a time and enforces stashCapacity", async () => {
    const system = await startSystem();
    const processed: number[] = [];
    const errors: unknown[] = [];
    const pid = await system.spawnFunc(
      "one",
      (ctx) => {
        const m = ctx.message;
        if (typeof m === "number") {
          if (m < 0) processed.push(m);
          else {
            try {
              ctx.stash();
            } catch (e) {
              errors.push(e);
            }
          }
        } else if (m === "next") ctx.unstash();
        else if (m === "drain") {
          ctx.become((c) => void (typeof c.message === "number" && processed.push(c.message)));
          ctx.unstashAll();
        }
      },
      { stashCapacity: 2 },
    );
    pid.tell(1);
    pid.tell(2);
    pid.tell(3);
    await eventually("the error", () => errors.length === 1);
    expect(errors[0]).toBeInstanceOf(StashFullError);
    pid.tell("drain");
    await eventually("2 messages processed", () => processed.length === 2);
    expect(processed).toEqual([1, 2]);
  });
});

describe("death watch of a child that fails to start", () => {
  it("delivers Terminated when a watched child's async preStart fails", async () => {
    const system = await startSystem();
    const notices: string[] = [];
    await system.spawn("parent", () => ({
      preStart(ctx) {
        ctx.watch(
          ctx.spawn("doomed", () => ({
            preStart: () => Promise.reject(new Error("no config")),
            receive() {},
          })),
        );
      },
      receive(ctx: ReceiveContext) {
        if (ctx.is(TerminatedSchema)) notices.push(ctx.message.address);
      },
    }));
    await eventually("the Terminated notice", () => notices.length === 1);
    expect(notices[0]).toMatch(/\/user\/parent\/doomed$/);
  });
});
