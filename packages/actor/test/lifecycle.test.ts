import { create } from "@bufbuild/protobuf";
import {
  type Actor,
  ActorAlreadyExistsError,
  ActorInitializationError,
  ActorNotFoundError,
  ActorSystem,
  type Context,
  InvalidNameError,
  InvalidOptionError,
  isTsaktError,
  PoisonPillSchema,
  PostStartSchema,
  type ReceiveContext,
  SystemNotStartedError,
  silentLogger,
} from "@tsakt/actor";
import { eventually } from "@tsakt/testkit";
import { describe, expect, it } from "vitest";
import { flush, sleep, startSystem } from "./helpers.js";

describe("actor lifecycle", () => {
  it("runs preStart, then delivers PostStart as the first message, then user messages in order", async () => {
    const system = await startSystem();
    const seen: string[] = [];
    class Recorder implements Actor {
      async preStart(): Promise<void> {
        await sleep(5);
        seen.push("preStart");
      }
      receive(ctx: ReceiveContext): void {
        seen.push(ctx.is(PostStartSchema) ? "PostStart" : String(ctx.message));
      }
    }
    const pid = await system.spawn("recorder", () => new Recorder());
    pid.tell("a");
    pid.tell("b");
    await eventually("4 messages seen", () => seen.length === 4);
    expect(seen).toEqual(["preStart", "PostStart", "a", "b"]);
  });

  it("queues messages sent while an async preStart runs", async () => {
    const system = await startSystem();
    const seen: unknown[] = [];
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const spawning = system.spawn("slow", () => ({
      preStart: () => gate,
      receive: (ctx: ReceiveContext) => void (typeof ctx.message === "number" && seen.push(ctx.message)),
    }));
    const pid = system.localActorOf("slow");
    expect(pid).toBeDefined();
    pid?.tell(1);
    pid?.tell(2);
    await flush();
    expect(seen).toEqual([]);
    release();
    await spawning;
    await eventually("2 messages seen", () => seen.length === 2);
    expect(seen).toEqual([1, 2]);
  });

  it("fails spawn with ActorInitializationError when preStart throws and frees the name", async () => {
    const system = await startSystem();
    const spawn = () =>
      system.spawn("broken", () => ({
        preStart() {
          throw new Error("no database");
        },
        receive() {},
      }));
    const error = await spawn().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ActorInitializationError);
    expect(isTsaktError(error, "ActorInitialization")).toBe(true);
    expect((error as Error).message).toContain("no database");
    expect(system.localActorOf("broken")).toBeUndefined();
    expect(system.actorCount).toBe(0);
    await expect(system.spawnFunc("broken", () => {})).resolves.toBeDefined();
  });

  it("fails a duplicate name with ActorAlreadyExistsError and allows it again after stop", async () => {
    const system = await startSystem();
    const first = await system.spawnFunc("unique", () => {});
    const error = await system.spawnFunc("unique", () => {}).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ActorAlreadyExistsError);
    expect((error as ActorAlreadyExistsError).code).toBe("ActorAlreadyExists");
    await system.stopActor(first);
    const second = await system.spawnFunc("unique", () => {});
    expect(second).not.toBe(first);
    expect(second.isAlive()).toBe(true);
  });

  it.each([
    ["", "must not be empty"],
    ["a/b", 'no "/"'],
    ["has space", "no"],
    ["$reserved", "reserved"],
    ["x".repeat(256), "at most 255"],
  ])("rejects the bad name %j with InvalidNameError saying why", async (name, why) => {
    const system = await startSystem();
    const error = await system.spawnFunc(name, () => {}).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidNameError);
    expect((error as Error).message).toContain(why);
  });

  it.each([
    [{ mailbox: { kind: "bounded", capacity: 0 } }, "mailbox.capacity"],
    [{ mailbox: { kind: "lifo" } }, "mailbox.kind"],
    [{ mailbox: { kind: "bounded", capacity: 5, overflow: "block" } }, "mailbox.overflow"],
    [{ mailbox: { kind: "priority" } }, "mailbox.compare"],
    [{ supervisor: { strategy: "all-for-one" } }, "supervisor.strategy"],
    [{ supervisor: { directive: "explode" } }, "supervisor.directive"],
    [{ supervisor: { maxRestarts: -1 } }, "supervisor.maxRestarts"],
    [{ supervisor: { backoff: { minMs: 10, maxMs: 5 } } }, "supervisor.backoff.maxMs"],
    [{ supervisor: { rules: [[Error, "nope"]] } }, "supervisor.rules[0]"],
    [{ reentrancy: "sometimes" }, "reentrancy"],
    [{ mailboxSize: 3 }, "mailboxSize"],
  ])("rejects bad spawn options %j naming the field", async (options, field) => {
    const system = await startSystem();
    const error = await system.spawnFunc("opts", () => {}, options as never).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidOptionError);
    expect((error as InvalidOptionError).field).toBe(field);
    expect((error as Error).message).toContain(field);
  });

  it.each([
    [{ askTimeoutMs: 0 }, "askTimeoutMs"],
    [{ name: "bad name" }, "name"],
    [{ dispatcher: { throughput: 1.5 } }, "dispatcher.throughput"],
    [{ logger: { info() {} } }, "logger.trace"],
    [{ plugins: [{}] }, "plugins[0]"],
    [{ colour: "blue" }, "colour"],
  ])("rejects bad system options %j naming the field", async (options, field) => {
    const error = await ActorSystem.start(options as never).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidOptionError);
    expect((error as InvalidOptionError).field).toBe(field);
  });

  it("stops after draining the messages queued before a PoisonPill", async () => {
    const system = await startSystem();
    const seen: number[] = [];
    const pid = await system.spawnFunc("drain", (ctx) => void (typeof ctx.message === "number" && seen.push(ctx.message)));
    pid.tell(1);
    pid.tell(2);
    pid.tell(create(PoisonPillSchema));
    pid.tell(3);
    await eventually("the actor to stop", () => !pid.isAlive());
    expect(seen).toEqual([1, 2]);
    expect(system.deadLetterCount).toBe(1);
  });

  it("stops children before their parent, depth first, and calls postStop on each", async () => {
    const system = await startSystem();
    const stopped: string[] = [];
    const node =
      (name: string, kids: string[]): (() => Actor) =>
      () => ({
        preStart(ctx: Context) {
          for (const kid of kids) ctx.spawn(kid, node(kid, kid.length < 2 ? [`${kid}x`] : []));
        },
        receive() {},
        postStop() {
          stopped.push(name);
        },
      });
    const root = await system.spawn("a", node("a", ["b", "c"]));
    await eventually("5 live actors", () => system.actorCount === 5);
    expect(system.localActorOf("/user/a/b/bx")).toBeDefined();
    await system.stopActor(root);
    expect(stopped).toHaveLength(5);
    expect(stopped.indexOf("bx")).toBeLessThan(stopped.indexOf("b"));
    expect(stopped.indexOf("cx")).toBeLessThan(stopped.indexOf("c"));
    expect(stopped.at(-1)).toBe("a");
    expect(system.actorCount).toBe(0);
  });

  it("finds actors by name, path and local address, and reports unknown names with ActorNotFoundError", async () => {
    const system = await startSystem({ name: "lookup" });
    const parent = await system.spawn("parent", () => ({
      preStart: (ctx: Context) => void ctx.spawn("child", () => ({ receive() {} })),
      receive() {},
    }));
    expect(await system.actorOf("parent")).toBe(parent);
    const child = await system.actorOf("/user/parent/child");
    expect(child.address).toBe("tsakt://lookup/user/parent/child");
    expect(await system.actorOf("tsakt://lookup/user/parent/child")).toBe(child);
    const error = await system.actorOf("ghost").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ActorNotFoundError);
  });

  it("refuses work after stop with SystemNotStartedError and stops through await using", async () => {
    let seenStop = false;
    {
      await using system = await ActorSystem.start({ logger: silentLogger });
      await system.spawn("x", () => ({ receive() {}, postStop: () => void (seenStop = true) }));
    }
    expect(seenStop).toBe(true);
    const system = await ActorSystem.start({ logger: silentLogger });
    await system.stop();
    await expect(system.spawnFunc("late", () => {})).rejects.toBeInstanceOf(SystemNotStartedError);
    expect(system.isRunning).toBe(false);
  });

  it("gives children unique names per parent and lists them", async () => {
    const system = await startSystem();
    const errors: unknown[] = [];
    const parent = await system.spawn("p", () => ({
      preStart(ctx: Context) {
        ctx.spawnFunc("k1", () => {});
        ctx.spawnFunc("k2", () => {});
        try {
          ctx.spawnFunc("k1", () => {});
        } catch (e) {
          errors.push(e);
        }
      },
      receive(ctx: ReceiveContext) {
        if (ctx.message === "kids")
          ctx.respond(
            ctx
              .children()
              .map((c) => c.name)
              .sort(),
          );
      },
    }));
    expect(await parent.ask("kids")).toEqual(["k1", "k2"]);
    expect(errors[0]).toBeInstanceOf(ActorAlreadyExistsError);
  });
});

describe("stopping from inside a handler", () => {
  it("runs postStop only after the current message finished, even when ctx.stop() comes first", async () => {
    const system = await startSystem();
    const order: string[] = [];
    const pid = await system.spawn("self-stopper", () => ({
      receive(ctx: ReceiveContext) {
        if (ctx.message !== "stop") return;
        ctx.stop();
        order.push("handler continued");
      },
      postStop() {
        order.push("postStop");
      },
    }));
    pid.tell("stop");
    pid.tell("after");
    await eventually("the actor to stop", () => !pid.isAlive());
    expect(order).toEqual(["handler continued", "postStop"]);
    expect(system.deadLetterCount).toBe(1);
  });
});
