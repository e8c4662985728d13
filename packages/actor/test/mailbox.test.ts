import { type Deadletter, DeadletterSchema, MailboxFullError } from "@tsakt/actor";
import { eventually, staysTrue } from "@tsakt/testkit";
import { describe, expect, it } from "vitest";
import { startSystem } from "./helpers.js";

describe("mailboxes", () => {
  it("keeps FIFO order in the unbounded mailbox across many segments", async () => {
    const system = await startSystem();
    const seen: number[] = [];
    const pid = await system.spawnFunc("fifo", (ctx) => void (typeof ctx.message === "number" && seen.push(ctx.message)));
    for (let round = 0; round < 3; round++) for (let i = 0; i < 5000; i++) pid.tell(round * 5000 + i);
    await eventually("15000 messages seen", () => seen.length === 15000);
    expect(seen.every((v, i) => v === i)).toBe(true);
  });

  it("keeps order in the unbounded mailbox when mail arrives after its single-message slot drained", async () => {
    const system = await startSystem();
    const seen: number[] = [];
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const pid = await system.spawnFunc("interleaved", async (ctx) => {
      if (typeof ctx.message !== "number") return;
      seen.push(ctx.message);
      if (ctx.message === 0) await gate;
    });
    // 0 takes the single-message slot and 1 the first segment; 0 is drained while 1 waits behind it.
    pid.tell(0);
    pid.tell(1);
    await eventually("0 taken out of the mailbox", () => seen.length === 1);
    // The slot is free again but 1 is still queued: 2 and 3 must line up behind it.
    pid.tell(2);
    pid.tell(3);
    release();
    await eventually("4 messages seen", () => seen.length === 4);
    expect(seen).toEqual([0, 1, 2, 3]);
  });

  it("applies backpressure in a bounded mailbox: tell returns false, send waits for space", async () => {
    const system = await startSystem();
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const seen: number[] = [];
    const pid = await system.spawnFunc(
      "bounded",
      async (ctx) => {
        if (typeof ctx.message !== "number") return;
        if (ctx.message === 0) await gate;
        seen.push(ctx.message);
      },
      { mailbox: { kind: "bounded", capacity: 2 } },
    );
    expect(pid.tell(0)).toBe(true);
    await new Promise((r) => setImmediate(r));
    expect(pid.tell(1)).toBe(true);
    expect(pid.tell(2)).toBe(true);
    expect(pid.tell(99)).toBe(false);
    let sent = false;
    const waiting = pid.send(3).then(() => (sent = true));
    await staysTrue("send to wait while the mailbox is full", () => !sent, { timeoutMs: 50 });
    release();
    await waiting;
    await eventually("4 messages seen", () => seen.length === 4);
    expect(seen).toEqual([0, 1, 2, 3]);
  });

  it("drops to dead letters with MailboxFullError in a non-blocking bounded mailbox", async () => {
    const system = await startSystem();
    const letters: Deadletter[] = [];
    system.eventStream.subscribe(DeadletterSchema, (d) => letters.push(d));
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const pid = await system.spawnFunc(
      "dropping",
      async (ctx) => {
        if (ctx.message === "block") await gate;
      },
      { mailbox: { kind: "bounded", capacity: 1, overflow: "drop" } },
    );
    pid.tell("block");
    await new Promise((r) => setImmediate(r));
    expect(pid.tell("fits")).toBe(true);
    expect(pid.tell("dropped")).toBe(false);
    const error = await pid.ask("also dropped").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MailboxFullError);
    expect((error as MailboxFullError).capacity).toBe(1);
    expect(letters.map((l) => l.reason)).toEqual(["mailbox full", "mailbox full"]);
    expect(letters[0]?.receiver).toBe(pid.address);
    release();
  });

  it("orders a priority mailbox by priority and keeps arrival order among equals", async () => {
    const system = await startSystem();
    const seen: string[] = [];
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    type Job = { p: number; id: string };
    const pid = await system.spawnFunc(
      "prio",
      async (ctx) => {
        const job = ctx.message as Job;
        if (job.id === "gate") await gate;
        else if (typeof job.id === "string") seen.push(job.id);
      },
      { mailbox: { kind: "priority", compare: (a, b) => ((a as Job).p ?? 99) - ((b as Job).p ?? 99) } },
    );
    pid.tell({ p: 0, id: "gate" });
    await new Promise((r) => setImmediate(r));
    const jobs: Job[] = [
      { p: 3, id: "low-1" },
      { p: 1, id: "high-1" },
      { p: 2, id: "mid-1" },
      { p: 1, id: "high-2" },
      { p: 3, id: "low-2" },
      { p: 1, id: "high-3" },
    ];
    for (const job of jobs) pid.tell(job);
    release();
    await eventually("6 messages seen", () => seen.length === 6);
    expect(seen).toEqual(["high-1", "high-2", "high-3", "mid-1", "low-1", "low-2"]);
  });
});
