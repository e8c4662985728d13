import { type Deadletter, DeadletterSchema, type MailboxOptions, type PID } from "@tsakt/actor";
import { eventually } from "@tsakt/testkit";
import { describe, expect, it } from "vitest";
import { startSystem } from "./helpers.js";

type Msg = { from: string; i: number };
const isMsg = (m: unknown): m is Msg => typeof m === "object" && m !== null && "from" in m;

/** Queues `floods` messages from each flooder, then one from the quiet sender; returns the processing order. */
async function floodThenQuiet(mailbox: MailboxOptions, flooders: number, floods: number): Promise<Msg[]> {
  const system = await startSystem();
  const seen: Msg[] = [];
  const target = await system.spawnFunc("target", (ctx) => void (isMsg(ctx.message) && seen.push(ctx.message)), {
    mailbox,
  });
  const senders: PID[] = [];
  for (let f = 0; f <= flooders; f++) senders.push(await system.spawnFunc(`sender-${f}`, () => {}));
  for (let f = 0; f < flooders; f++) for (let i = 0; i < floods; i++) target.tell({ from: `flood-${f}`, i }, senders[f]);
  target.tell({ from: "quiet", i: 0 }, senders[flooders]);
  const total = flooders * floods + 1;
  await eventually(`${total} messages processed`, () => seen.length === total);
  return seen;
}

describe("fair mailbox", () => {
  it("gives a quiet sender its turn while another floods: its message waits behind at most one flood message", async () => {
    const fair = await floodThenQuiet({ kind: "fair" }, 1, 10_000);
    expect(fair.findIndex((m) => m.from === "quiet")).toBeLessThanOrEqual(1);
    // The same traffic through a FIFO mailbox waits behind the whole flood: the bound above is the fair mailbox's doing.
    const fifo = await floodThenQuiet({ kind: "unbounded" }, 1, 10_000);
    expect(fifo.findIndex((m) => m.from === "quiet")).toBe(10_000);
  });

  it("bounds the wait by the number of active senders, and keeps each sender's order", async () => {
    const seen = await floodThenQuiet({ kind: "fair" }, 3, 1000);
    expect(seen.findIndex((m) => m.from === "quiet")).toBeLessThanOrEqual(3);
    for (let f = 0; f < 3; f++) {
      const order = seen.filter((m) => m.from === `flood-${f}`).map((m) => m.i);
      expect(order).toEqual(Array.from({ length: 1000 }, (_, i) => i));
    }
    // Strict alternation among the three flooders while all have mail.
    expect(seen.slice(0, 6).map((m) => m.from)).toEqual(["flood-0", "flood-1", "flood-2", "quiet", "flood-0", "flood-1"]);
  });
});

describe("priority mailbox with backpressure", () => {
  it("refuses when full without a dead letter (tell returns false), and send waits for a freed slot", async () => {
    const system = await startSystem();
    const letters: Deadletter[] = [];
    system.eventStream.subscribe(DeadletterSchema, (d) => letters.push(d));
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const seen: number[] = [];
    const pid = await system.spawnFunc(
      "blocking-priority",
      async (ctx) => {
        if (ctx.message === "block") await gate;
        else if (typeof ctx.message === "number") seen.push(ctx.message);
      },
      { mailbox: { kind: "priority", compare: (a, b) => (a as number) - (b as number), capacity: 2, overflow: "backpressure" } },
    );
    pid.tell("block");
    await new Promise((r) => setImmediate(r));
    expect(pid.tell(5)).toBe(true);
    expect(pid.tell(3)).toBe(true);
    expect(pid.tell(9)).toBe(false);
    let sent = false;
    const sending = pid.send(1).then(() => (sent = true));
    await new Promise((r) => setImmediate(r));
    expect(sent).toBe(false);
    release();
    await sending;
    await eventually("3 numbers processed", () => seen.length === 3);
    // 3 went first (priority), freeing the slot that let the waiting send in; 1 then overtook 5.
    expect(seen).toEqual([3, 1, 5]);
    expect(letters).toEqual([]);
  });

  it("rejects a bad overflow and kind naming the field", async () => {
    const system = await startSystem();
    const field = (mailbox: object) =>
      system.spawnFunc("x", () => {}, { mailbox: mailbox as never }).catch((e: unknown) => (e as { field: string }).field);
    expect(await field({ kind: "priority", compare: () => 0, overflow: "block" })).toBe("mailbox.overflow");
    expect(await field({ kind: "round-robin" })).toBe("mailbox.kind");
  });
});
