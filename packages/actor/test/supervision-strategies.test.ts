import { ActorRestartedSchema, type ActorSystem, type Context, type PID, type ReceiveContext, type SupervisorOptions } from "@tsakt/actor";
import { eventually, TestClock } from "@tsakt/testkit";
import { describe, expect, it } from "vitest";
import { counting, failAndAwaitRestart, startSystem } from "./helpers.js";

/** Spawns /user/parent with children a, b and c made by `counting(created)`, each under `child`'s supervisor. */
async function family(system: ActorSystem, created: { n: number }, child: SupervisorOptions, parent: SupervisorOptions = {}) {
  const parents = { n: 0 };
  await system.spawn(
    "parent",
    () => {
      parents.n++;
      return {
        preStart(ctx: Context) {
          for (const name of ["a", "b", "c"]) ctx.spawn(name, counting(created), { supervisor: child });
        },
        receive() {},
      };
    },
    { supervisor: parent },
  );
  const [a, b, c] = await Promise.all(["a", "b", "c"].map((name) => system.actorOf(`/user/parent/${name}`)));
  return { a: a as PID, b: b as PID, c: c as PID, parents };
}

/** Tells each child one number, makes b fail, tells each another number, and returns what each counted. */
async function failB(children: { a: PID; b: PID; c: PID }): Promise<unknown[]> {
  const all = [children.a, children.b, children.c];
  for (const pid of all) pid.tell(1);
  children.b.tell("boom");
  for (const pid of all) pid.tell(2);
  const counts: unknown[] = [];
  for (const pid of all) counts.push(await pid.ask("count"));
  return counts;
}

describe("supervision strategies and directives", () => {
  it("stops a top-level actor that escalates, since nobody above it decides", async () => {
    const system = await startSystem();
    const created = { n: 0 };
    const pid = await system.spawn("top", counting(created), { supervisor: { directive: "escalate" } });
    pid.tell("boom");
    await eventually("the escalating top-level actor to stop", () => !pid.isAlive());
    expect(created.n).toBe(1);
  });

  it("lets an escalating child go on with its instance and state when the parent's supervisor resumes", async () => {
    const system = await startSystem();
    const child = { n: 0 };
    let parents = 0;
    await system.spawn(
      "parent",
      () => {
        parents++;
        return {
          preStart(ctx: Context) {
            ctx.spawn("child", counting(child), { supervisor: { directive: "escalate" } });
          },
          receive() {},
        };
      },
      { supervisor: { directive: "resume" } },
    );
    const pid = await system.actorOf("/user/parent/child");
    pid.tell(1);
    pid.tell("boom");
    pid.tell(2);
    expect(await pid.ask("count")).toBe(2);
    expect(child.n).toBe(1);
    expect(parents).toBe(1);
  });

  it("stops the failed child's siblings too under one-for-all with the stop directive", async () => {
    const system = await startSystem();
    const created = { n: 0 };
    const parent = await system.spawn("parent", () => ({
      preStart(ctx: Context) {
        for (const name of ["a", "b", "c"])
          ctx.spawn(name, counting(created), { supervisor: { strategy: "one-for-all", directive: "stop" } });
      },
      receive() {},
    }));
    const children = await Promise.all(["a", "b", "c"].map((name) => system.actorOf(`/user/parent/${name}`)));
    children[1]?.tell("boom");
    await eventually("all three children to stop", () => children.every((c) => !c.isAlive()));
    expect(parent.isAlive()).toBe(true);
    expect(created.n).toBe(3);
  });

  it("keeps every sibling's instance and state under one-for-all with the resume directive", async () => {
    const system = await startSystem();
    const restarted: string[] = [];
    system.eventStream.subscribe(ActorRestartedSchema, (e) => restarted.push(e.address));
    const created = { n: 0 };
    const children = await family(system, created, { strategy: "one-for-all", directive: "resume" });
    expect(await failB(children)).toEqual([2, 2, 2]);
    expect(created.n).toBe(3);
    expect(restarted).toEqual([]);
    expect([children.a, children.b, children.c].every((pid) => pid.isAlive())).toBe(true);
  });

  it("lets the parent decide a one-for-all child's escalated failure; on resume every sibling keeps its state", async () => {
    const system = await startSystem();
    const restarted: string[] = [];
    system.eventStream.subscribe(ActorRestartedSchema, (e) => restarted.push(e.address));
    const created = { n: 0 };
    const children = await family(system, created, { strategy: "one-for-all", directive: "escalate" }, { directive: "resume" });
    expect(await failB(children)).toEqual([2, 2, 2]);
    expect(created.n).toBe(3);
    expect(children.parents.n).toBe(1);
    expect(restarted).toEqual([]);
    expect([children.a, children.b, children.c].every((pid) => pid.isAlive())).toBe(true);
  });

  it("lets the parent decide a one-for-all child's escalated failure; on restart every sibling starts afresh once", async () => {
    const system = await startSystem();
    const created = { n: 0 };
    const children = await family(system, created, { strategy: "one-for-all", directive: "escalate" }, { directive: "restart" });
    for (const pid of [children.a, children.b, children.c]) pid.tell(1);
    children.b.tell("boom");
    await eventually("the parent and its three children to restart", () => children.parents.n === 2 && created.n === 6);
    const fresh = await Promise.all(["a", "b", "c"].map((name) => system.actorOf(`/user/parent/${name}`)));
    expect(await Promise.all(fresh.map((pid) => pid.ask("count")))).toEqual([0, 0, 0]);
    expect(created.n).toBe(6);
  });

  it("restarts a one-for-all sibling that is in an async turn only once that turn has finished", async () => {
    const system = await startSystem();
    const created: Record<string, number> = { a: 0, b: 0 };
    let entered = false;
    let open: () => void = () => {};
    const gate = new Promise<void>((resolve) => (open = resolve));
    const supervisor = { strategy: "one-for-all" } as const;
    await system.spawn("parent", () => ({
      preStart(ctx: Context) {
        ctx.spawn(
          "a",
          () => {
            created.a = (created.a ?? 0) + 1;
            return {
              async receive(c: ReceiveContext) {
                if (c.message !== "wait") return;
                entered = true;
                await gate;
              },
            };
          },
          { supervisor },
        );
        ctx.spawn("b", counting({ n: 0 }), { supervisor });
        created.b = 1;
      },
      receive() {},
    }));
    const restarted: string[] = [];
    system.eventStream.subscribe(ActorRestartedSchema, (e) => restarted.push(e.address.split("/").at(-1) ?? ""));
    (await system.actorOf("/user/parent/a")).tell("wait");
    await eventually("a to be inside its async turn", () => entered);
    (await system.actorOf("/user/parent/b")).tell("boom");
    await eventually("b to restart", () => restarted.includes("b"));
    expect(restarted).toEqual(["b"]);
    expect(created.a).toBe(1);
    open();
    await eventually("a to restart after its turn", () => created.a === 2);
    expect(restarted.sort()).toEqual(["a", "b"]);
  });

  it("waits minMs before the first restart, factor times longer before each next one, never more than maxMs", async () => {
    const clock = new TestClock(0);
    const system = await startSystem({ clock });
    const restartedAt: number[] = [];
    system.eventStream.subscribe(ActorRestartedSchema, () => restartedAt.push(clock.now()));
    const created = { n: 0 };
    const pid = await system.spawn("worker", counting(created), { supervisor: { backoff: { minMs: 100, maxMs: 250, factor: 2 } } });
    for (const delay of [100, 200, 250]) await failAndAwaitRestart(pid, clock, restartedAt, delay);
    expect(restartedAt).toEqual([100, 300, 550]);
    expect(created.n).toBe(4);
  });

  it("cancels a pending backoff restart when the actor is stopped", async () => {
    const clock = new TestClock(0);
    const system = await startSystem({ clock });
    const created = { n: 0 };
    const pid = await system.spawn("worker", counting(created), { supervisor: { backoff: { minMs: 100, maxMs: 1000 } } });
    pid.tell("boom");
    await eventually("the backoff timer", () => clock.pending === 1);
    await system.stopActor(pid);
    expect(clock.pending).toBe(0);
    await clock.advance(1000);
    expect(created.n).toBe(1);
    expect(pid.isAlive()).toBe(false);
  });

  it("counts only the restarts inside withinMs toward maxRestarts", async () => {
    const clock = new TestClock(0);
    const system = await startSystem({ clock });
    let restarts = 0;
    system.eventStream.subscribe(ActorRestartedSchema, () => restarts++);
    const created = { n: 0 };
    const pid = await system.spawn("worker", counting(created), { supervisor: { maxRestarts: 1, withinMs: 1000 } });
    pid.tell("boom");
    await eventually("the first restart", () => restarts === 1);
    await clock.advance(1000);
    pid.tell("boom");
    await eventually("a restart once the first left the window", () => restarts === 2);
    expect(pid.isAlive()).toBe(true);
    pid.tell("boom");
    await eventually("the actor to stop with its budget spent", () => !pid.isAlive());
    expect(restarts).toBe(2);
    expect(created.n).toBe(3);
  });
});
