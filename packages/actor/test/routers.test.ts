import { create, createRegistry, fromBinary, toBinary } from "@bufbuild/protobuf";
import {
  type ActorFactory,
  AdjustPoolSizeSchema,
  AskTimeoutError,
  BroadcastSchema,
  broadcast,
  DeadletterSchema,
  GetRouteesSchema,
  InvalidOptionError,
  type PID,
  type PipeFailure,
  PipeFailureSchema,
  PostStartSchema,
  type ReceiveContext,
  type Routees,
  type RouterOptions,
  router,
} from "@tsakt/actor";
import { eventually } from "@tsakt/testkit";
import { describe, expect, it } from "vitest";
import { startSystem } from "./helpers.js";

type Log = Map<string, unknown[]>;

/** Routees that record each message under their name and, when asked, reply "<name>:<message>". */
function recording(log: Log): ActorFactory {
  return () => ({
    receive(ctx: ReceiveContext) {
      if (ctx.is(PostStartSchema)) return;
      record(log, ctx);
      if (ctx.sender !== undefined) ctx.respond(`${ctx.self.name}:${String(ctx.message)}`);
    },
  });
}

function record(log: Log, ctx: ReceiveContext): void {
  let got = log.get(ctx.self.name);
  if (got === undefined) log.set(ctx.self.name, (got = []));
  got.push(ctx.message);
}

function total(log: Log): number {
  let n = 0;
  for (const got of log.values()) n += got.length;
  return n;
}

function countsOf(log: Log): number[] {
  return [...log.keys()].sort().map((name) => (log.get(name) as unknown[]).length);
}

async function routeesOf(pid: PID): Promise<string[]> {
  return (await pid.ask<Routees>(create(GetRouteesSchema))).addresses;
}

/** The field an InvalidOptionError thrown by `fn` names. */
function fieldRejected(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidOptionError);
    return (error as InvalidOptionError).field;
  }
  throw new Error("expected InvalidOptionError, nothing was thrown");
}

describe("pool router strategies", () => {
  it("round-robin spreads 300 messages over 3 routees as 100 each", async () => {
    const system = await startSystem();
    const log: Log = new Map();
    const pool = await system.spawn("workers", router({ strategy: "round-robin", poolSize: 3, routee: recording(log) }));
    for (let i = 0; i < 300; i++) pool.tell(i);
    await eventually("300 messages routed", () => total(log) === 300);
    expect(countsOf(log)).toEqual([100, 100, 100]);
    expect(log.get("routee-1")?.slice(0, 3)).toEqual([0, 3, 6]);
  });

  it("keeps the original sender, so an ask to a round-robin router gets each routee's reply in turn", async () => {
    const system = await startSystem();
    const pool = await system.spawn("workers", router({ strategy: "round-robin", poolSize: 3, routee: recording(new Map()) }));
    const replies = [];
    for (let i = 0; i < 4; i++) replies.push(await pool.ask<string>(`job-${i}`));
    expect(replies).toEqual(["routee-1:job-0", "routee-2:job-1", "routee-3:job-2", "routee-1:job-3"]);
  });

  it("random uses every routee and spreads the messages roughly evenly", async () => {
    const system = await startSystem();
    const log: Log = new Map();
    const pool = await system.spawn("workers", router({ strategy: "random", poolSize: 3, routee: recording(log) }));
    for (let i = 0; i < 300; i++) pool.tell(i);
    await eventually("300 messages routed", () => total(log) === 300);
    const counts = countsOf(log);
    expect(counts).toHaveLength(3);
    for (const n of counts) expect(n).toBeGreaterThan(50);
  });

  it("broadcast gives every routee every message, in order", async () => {
    const system = await startSystem();
    const log: Log = new Map();
    const pool = await system.spawn("workers", router({ strategy: "broadcast", poolSize: 3, routee: recording(log) }));
    for (let i = 0; i < 10; i++) pool.tell(i);
    await eventually("30 messages routed", () => total(log) === 30);
    const expected = Array.from({ length: 10 }, (_, i) => i);
    for (const name of ["routee-1", "routee-2", "routee-3"]) expect(log.get(name)).toEqual(expected);
  });

  it("consistent-hash sends a key always to the same routee and spreads different keys", async () => {
    const system = await startSystem();
    const log: Log = new Map();
    const pool = await system.spawn(
      "workers",
      router({ strategy: "consistent-hash", poolSize: 4, routee: recording(log), hashKey: (m) => (m as { key: string }).key }),
    );
    for (let round = 0; round < 4; round++) for (let k = 0; k < 50; k++) pool.tell({ key: `user-${k}`, round });
    await eventually("200 messages routed", () => total(log) === 200);
    const owners = ownersByKey(log);
    expect(owners.size).toBe(50);
    for (const routees of owners.values()) expect(routees.size).toBe(1);
    expect(countsOf(log)).toHaveLength(4);
    for (const n of countsOf(log)) expect(n).toBeGreaterThan(0);
  });

  it("consistent-hash moves only a few keys, all to the new routee, when the pool grows", async () => {
    const system = await startSystem();
    const before: Log = new Map();
    const after: Log = new Map();
    let phase = before;
    const routee: ActorFactory = () => ({
      receive(ctx) {
        if (!ctx.is(PostStartSchema)) record(phase, ctx);
      },
    });
    const hashKey = (m: unknown) => (m as { key: string }).key;
    const pool = await system.spawn("workers", router({ strategy: "consistent-hash", poolSize: 4, routee, hashKey }));
    for (let k = 0; k < 400; k++) pool.tell({ key: `order-${k}` });
    await eventually("400 messages routed", () => total(before) === 400);
    const grown = await pool.ask<Routees>(create(AdjustPoolSizeSchema, { change: { case: "delta", value: 1 } }));
    expect(grown.addresses).toHaveLength(5);
    phase = after;
    for (let k = 0; k < 400; k++) pool.tell({ key: `order-${k}` });
    await eventually("400 messages routed", () => total(after) === 400);
    const was = ownerOf(before);
    const now = ownerOf(after);
    const moved = [...now.keys()].filter((key) => now.get(key) !== was.get(key));
    expect(moved.length).toBeGreaterThan(0);
    expect(moved.length).toBeLessThan(400 * 0.35);
    for (const key of moved) expect(now.get(key)).toBe("routee-5");
  });

  it("drops a message whose hashKey throws and keeps routing the others", async () => {
    const system = await startSystem();
    const log: Log = new Map();
    const hashKey = (m: unknown) => {
      if (m === "bad") throw new Error("no key");
      return String(m);
    };
    const pool = await system.spawn("workers", router({ strategy: "consistent-hash", poolSize: 2, routee: recording(log), hashKey }));
    const routees = await routeesOf(pool);
    pool.tell("bad");
    pool.tell("good");
    await eventually("1 messages routed", () => total(log) === 1);
    expect(system.deadLetterCount).toBe(1);
    expect(await routeesOf(pool)).toEqual(routees);
  });

  it("scatter-gather-first returns the fastest routee's reply", async () => {
    const system = await startSystem();
    const delays = [120, 5, 60];
    const pool = await system.spawn(
      "workers",
      router({ strategy: "scatter-gather-first", poolSize: 3, withinMs: 2000, routee: delayed(delays, new Map()) }),
    );
    expect(await pool.ask("who", { timeoutMs: 3000 })).toBe("routee-2:who");
  });

  it("scatter-gather-first fails an asker with AskTimeoutError when no routee replies within withinMs", async () => {
    const system = await startSystem();
    const pool = await system.spawn("workers", router({ strategy: "scatter-gather-first", poolSize: 2, withinMs: 50, routee: silent() }));
    const failure = pool.ask("anyone?", { timeoutMs: 3000 });
    await expect(failure).rejects.toBeInstanceOf(AskTimeoutError);
    await expect(failure).rejects.toMatchObject({ target: pool.address, timeoutMs: 50 });
  });

  it("scatter-gather-first tells an actor sender a PipeFailure when no routee replies in time", async () => {
    const system = await startSystem();
    const pool = await system.spawn("workers", router({ strategy: "scatter-gather-first", poolSize: 2, withinMs: 30, routee: silent() }));
    const failures: PipeFailure[] = [];
    const client = await system.spawnFunc("client", (ctx) => {
      if (ctx.is(PipeFailureSchema)) failures.push(ctx.message);
    });
    pool.tell("anyone?", client);
    await eventually("the failure", () => failures.length === 1);
    expect(failures[0]?.code).toBe("AskTimeout");
  });

  it("tail-chopping asks the next routee after intervalMs, which overtakes a slow first routee", async () => {
    const system = await startSystem();
    const log: Log = new Map();
    // routee-1 never answers; routee-2 and routee-3 answer at once.
    const pool = await system.spawn(
      "workers",
      router({ strategy: "tail-chopping", poolSize: 3, withinMs: 2000, intervalMs: 100, routee: delayed([-1, 0, 0], log) }),
    );
    expect(await pool.ask("job", { timeoutMs: 3000 })).toBe("routee-2:job");
    expect(log.get("routee-1")).toEqual(["job"]);
    expect(log.get("routee-3")).toBeUndefined();
  });

  it("tail-chopping tries each routee in turn and then fails the asker with AskTimeoutError", async () => {
    const system = await startSystem();
    const log: Log = new Map();
    const pool = await system.spawn(
      "workers",
      router({ strategy: "tail-chopping", poolSize: 3, withinMs: 200, intervalMs: 30, routee: silent(log) }),
    );
    await expect(pool.ask("job", { timeoutMs: 3000 })).rejects.toBeInstanceOf(AskTimeoutError);
    expect(countsOf(log)).toEqual([1, 1, 1]);
  });
});

describe("pool router control", () => {
  it("answers GetRoutees with the addresses of its routees", async () => {
    const system = await startSystem();
    const pool = await system.spawn("workers", router({ strategy: "round-robin", poolSize: 3, routee: recording(new Map()) }));
    expect(await routeesOf(pool)).toEqual([1, 2, 3].map((i) => `tsakt://test/user/workers/routee-${i}`));
  });

  it("resizes up by a delta and down to a size, stopping the removed routees", async () => {
    const system = await startSystem();
    const log: Log = new Map();
    const pool = await system.spawn("workers", router({ strategy: "round-robin", poolSize: 2, routee: recording(log) }));
    const grown = await pool.ask<Routees>(create(AdjustPoolSizeSchema, { change: { case: "delta", value: 3 } }));
    expect(grown.addresses).toHaveLength(5);
    const shrunk = await pool.ask<Routees>(create(AdjustPoolSizeSchema, { change: { case: "size", value: 1 } }));
    expect(shrunk.addresses).toEqual(["tsakt://test/user/workers/routee-1"]);
    await eventually("removed routees to stop", () => system.actorCount === 2, { timeoutMs: 2000 });
    for (let i = 0; i < 5; i++) pool.tell(i);
    await eventually("5 messages routed", () => total(log) === 5);
    expect(log.get("routee-1")).toEqual([0, 1, 2, 3, 4]);
  });

  it("resizes on a told AdjustPoolSize without replying to anyone", async () => {
    const system = await startSystem();
    const pool = await system.spawn("workers", router({ strategy: "random", poolSize: 4, routee: recording(new Map()) }));
    pool.tell(create(AdjustPoolSizeSchema, { change: { case: "delta", value: -10 } }));
    expect(await routeesOf(pool)).toEqual([]);
    expect(system.deadLetterCount).toBe(0);
  });

  it("sends a Broadcast payload to every routee whatever the strategy, keeping the sender", async () => {
    const system = await startSystem();
    const log: Log = new Map();
    const pool = await system.spawn("workers", router({ strategy: "round-robin", poolSize: 3, routee: recording(log) }));
    pool.tell(broadcast("hello"));
    await eventually("3 messages routed", () => total(log) === 3);
    expect(countsOf(log)).toEqual([1, 1, 1]);
    expect(await pool.ask(broadcast("hi"))).toMatch(/^routee-\d:hi$/);
  });

  it("unpacks a Broadcast that crossed the wire with the router's registry", async () => {
    const system = await startSystem();
    const log: Log = new Map();
    const registry = createRegistry(DeadletterSchema);
    const pool = await system.spawn("workers", router({ strategy: "round-robin", poolSize: 2, routee: recording(log), registry }));
    const sent = broadcast(create(DeadletterSchema, { reason: "fan-out" }), DeadletterSchema);
    pool.tell(fromBinary(BroadcastSchema, toBinary(BroadcastSchema, sent)));
    await eventually("2 messages routed", () => total(log) === 2);
    for (const got of log.values()) expect(got[0]).toMatchObject({ $typeName: DeadletterSchema.typeName, reason: "fan-out" });
  });
});

describe("routee failure policy", () => {
  it("restarts a failing routee with a fresh instance and keeps it in the pool", async () => {
    const system = await startSystem();
    const made = { count: 0 };
    const pool = await system.spawn("workers", router({ strategy: "round-robin", poolSize: 3, routee: counting(made) }));
    const before = await routeesOf(pool);
    const first = await system.actorOf(before[0] as string);
    first.tell("add");
    pool.tell("boom");
    await eventually("a restart", () => made.count === 4, { timeoutMs: 2000 });
    expect(await first.ask("count")).toBe(0);
    expect(await routeesOf(pool)).toEqual(before);
  });

  it("resumes a failing routee with its state", async () => {
    const system = await startSystem();
    const made = { count: 0 };
    const pool = await system.spawn(
      "workers",
      router({ strategy: "round-robin", poolSize: 3, routee: counting(made), routeeFailure: "resume" }),
    );
    const first = await system.actorOf((await routeesOf(pool))[0] as string);
    first.tell("add");
    pool.tell("boom");
    expect(await first.ask("count")).toBe(1);
    expect(made.count).toBe(3);
  });

  it("stops a failing routee and drops it from the pool, routing to the others", async () => {
    const system = await startSystem();
    const log: Log = new Map();
    const made = { count: 0 };
    const pool = await system.spawn(
      "workers",
      router({ strategy: "round-robin", poolSize: 3, routee: counting(made, log), routeeFailure: "stop" }),
    );
    pool.tell("boom");
    await eventually("the failed routee to stop", () => system.actorCount === 3, { timeoutMs: 2000 });
    expect(await routeesOf(pool)).toEqual(["tsakt://test/user/workers/routee-2", "tsakt://test/user/workers/routee-3"]);
    for (let i = 0; i < 4; i++) pool.tell(i);
    await eventually("4 messages routed", () => total(log) === 4);
    expect(log.get("routee-2")).toEqual([0, 2]);
    expect(log.get("routee-3")).toEqual([1, 3]);
  });

  it("dead-letters messages when every routee is gone", async () => {
    const system = await startSystem();
    const made = { count: 0 };
    const pool = await system.spawn(
      "workers",
      router({ strategy: "broadcast", poolSize: 2, routee: counting(made), routeeFailure: "stop" }),
    );
    pool.tell("boom");
    await eventually("both routees to stop", () => system.actorCount === 1, { timeoutMs: 2000 });
    const lettersBefore = system.deadLetterCount;
    pool.tell("nobody");
    await eventually("one more dead letter", () => system.deadLetterCount === lettersBefore + 1);
    expect(pool.isAlive()).toBe(true);
  });
});

describe("router options", () => {
  const routee = recording(new Map());

  it("rejects bad options with InvalidOptionError naming the field", () => {
    const bad = (options: Record<string, unknown>) => fieldRejected(() => router(options as unknown as RouterOptions));
    expect(bad({ strategy: "fastest", poolSize: 1, routee })).toBe("strategy");
    expect(bad({ strategy: "round-robin", poolSize: 0, routee })).toBe("poolSize");
    expect(bad({ strategy: "round-robin", poolSize: 1.5, routee })).toBe("poolSize");
    expect(bad({ strategy: "round-robin", poolSize: 2 })).toBe("routee");
    expect(bad({ strategy: "round-robin", poolSize: 2, routee, routeeFailure: "escalate" })).toBe("routeeFailure");
    expect(bad({ strategy: "round-robin", poolSize: 2, routee, size: 3 })).toBe("size");
    expect(bad({ strategy: "consistent-hash", poolSize: 2, routee })).toBe("hashKey");
    expect(bad({ strategy: "round-robin", poolSize: 2, routee, hashKey: () => "k" })).toBe("hashKey");
    expect(bad({ strategy: "consistent-hash", poolSize: 2, routee, hashKey: () => "k", virtualNodes: 0 })).toBe("virtualNodes");
    expect(bad({ strategy: "scatter-gather-first", poolSize: 2, routee })).toBe("withinMs");
    expect(bad({ strategy: "scatter-gather-first", poolSize: 2, routee, withinMs: -5 })).toBe("withinMs");
    expect(bad({ strategy: "random", poolSize: 2, routee, withinMs: 100 })).toBe("withinMs");
    expect(bad({ strategy: "tail-chopping", poolSize: 2, routee, withinMs: 100 })).toBe("intervalMs");
    expect(bad({ strategy: "tail-chopping", poolSize: 2, routee, withinMs: 100, intervalMs: 100 })).toBe("intervalMs");
  });

  it("names the field in the message", () => {
    expect(() => router({ strategy: "round-robin", poolSize: -1, routee })).toThrow(/invalid option poolSize: must be a whole number/);
  });
});

/** Routees that record messages and, when asked, reply after their delay (by spawn order; -1 never replies). */
function delayed(delays: number[], log: Log): ActorFactory {
  let made = 0;
  return () => {
    const delay = delays[made++ % delays.length] as number;
    return {
      receive(ctx: ReceiveContext) {
        if (ctx.is(PostStartSchema)) return;
        record(log, ctx);
        const reply = `${ctx.self.name}:${String(ctx.message)}`;
        if (delay === 0) ctx.respond(reply);
        else if (delay > 0) {
          const sender = ctx.sender;
          setTimeout(() => sender?.tell(reply), delay);
        }
      },
    };
  };
}

/** Routees that record messages and never reply. */
function silent(log: Log = new Map()): ActorFactory {
  return () => ({
    receive(ctx: ReceiveContext) {
      if (!ctx.is(PostStartSchema)) record(log, ctx);
    },
  });
}

/** Routees that count "add" messages, answer "count", throw on "boom" and record numbers. */
function counting(made: { count: number }, log: Log = new Map()): ActorFactory {
  return () => {
    made.count++;
    let added = 0;
    return {
      receive(ctx: ReceiveContext) {
        const m = ctx.message;
        if (m === "boom") throw new Error("boom");
        if (m === "add") added++;
        else if (m === "count") ctx.respond(added);
        else if (typeof m === "number") record(log, ctx);
      },
    };
  };
}

function ownersByKey(log: Log): Map<string, Set<string>> {
  const owners = new Map<string, Set<string>>();
  for (const [name, got] of log) {
    for (const m of got) {
      const key = (m as { key: string }).key;
      let set = owners.get(key);
      if (set === undefined) owners.set(key, (set = new Set()));
      set.add(name);
    }
  }
  return owners;
}

function ownerOf(log: Log): Map<string, string> {
  const owner = new Map<string, string>();
  for (const [name, got] of log) for (const m of got) owner.set((m as { key: string }).key, name);
  return owner;
}
