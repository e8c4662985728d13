import { DeadActorError, TerminatedSchema } from "@tsakt/actor";
import { ProbeExpectationError, ProbeTimeoutError, probe } from "@tsakt/testkit";
import { describe, expect, it } from "vitest";
import { rejectionOf, startSystem } from "./helpers.js";

describe("a probe as sender", () => {
  it("sends with itself as sender, so replies come back, and records lastSender", async () => {
    const system = await startSystem();
    const echo = await system.spawnFunc("echo", (ctx) => {
      if (typeof ctx.message === "string") ctx.respond(`echo:${ctx.message}`);
    });
    const p = await probe(system);
    expect(p.send(echo, "hi")).toBe(true);
    expect(await p.expectMessage("echo:hi")).toBe("echo:hi");
    expect(p.lastSender).toBe(echo);
  });

  it("replies to the last sender, answering an ask made to the probe", async () => {
    const p = await probe(await startSystem());
    const answer = p.pid.ask("question?", { timeoutMs: 1000 });
    await p.expectMessage("question?");
    p.reply("answer!");
    expect(await answer).toBe("answer!");
  });

  it("refuses to reply before it took a message with a sender", async () => {
    const p = await probe(await startSystem());
    expect(() => p.reply("nobody")).toThrow(/invalid option lastSender/);
  });
});

describe("expectTerminated", () => {
  it("watches the actor and returns its Terminated once it stops", async () => {
    const system = await startSystem();
    const worker = await system.spawnFunc("worker", () => {});
    const p = await probe(system);
    const waiting = p.expectTerminated(worker);
    await system.stopActor(worker);
    const terminated = await waiting;
    expect(terminated.address).toBe(worker.address);
  });

  it("passes for an actor that had already stopped", async () => {
    const system = await startSystem();
    const worker = await system.spawnFunc("worker", () => {});
    await system.stopActor(worker);
    const p = await probe(system);
    expect((await p.expectTerminated(worker, 500)).address).toBe(worker.address);
  });

  it("delivers one Terminated when the probe already watched the actor", async () => {
    const system = await startSystem();
    const worker = await system.spawnFunc("worker", () => {});
    const p = await probe(system);
    p.watch(worker);
    await system.stopActor(worker);
    await p.expectTerminated(worker);
    await p.expectNoMessage(30);
  });

  it("fails when the next message is not the Terminated of that actor", async () => {
    const system = await startSystem();
    const other = await system.spawnFunc("other", () => {});
    const worker = await system.spawnFunc("worker", () => {});
    const p = await probe(system);
    p.watch(other);
    await system.stopActor(other);
    const error = await rejectionOf(p.expectTerminated(worker));
    expect(error).toBeInstanceOf(ProbeExpectationError);
    expect(error.message).toContain(`expected Terminated of ${worker.address}`);
    expect(error.message).toContain("/user/other");
    expect(error.message).toContain("Terminated of another actor");
  });

  it("times out while the actor keeps running", async () => {
    const system = await startSystem();
    const worker = await system.spawnFunc("worker", () => {});
    const p = await probe(system);
    const error = await rejectionOf(p.expectTerminated(worker, 40));
    expect(error).toBeInstanceOf(ProbeTimeoutError);
    expect(error.message).toContain(`expecting Terminated of ${worker.address}; received nothing`);
  });

  it("serves as a watcher passed to code under test", async () => {
    const system = await startSystem();
    const p = await probe(system);
    const worker = await system.spawnFunc("worker", (ctx) => {
      if (ctx.message === "quit") ctx.stop();
    });
    // Code under test that stops its worker: the probe is told through death watch.
    p.watch(worker);
    worker.tell("quit");
    expect((await p.expectMessageOfType(TerminatedSchema)).address).toBe(worker.address);
  });
});

describe("within", () => {
  it("returns the block's value when it finishes in time", async () => {
    const p = await probe(await startSystem());
    p.pid.tell("fast");
    expect(await p.within(1000, () => p.expectMessage("fast"))).toBe("fast");
  });

  it("fails when the block takes longer than allowed", async () => {
    const p = await probe(await startSystem(), "slow");
    const error = await rejectionOf(p.within(30, () => new Promise((resolve) => setTimeout(resolve, 300))));
    expect(error).toBeInstanceOf(ProbeTimeoutError);
    expect(error.message).toContain("probe slow timed out after 30 ms expecting the block to finish within 30 ms");
  });

  it("shortens expectations inside the block to the time left", async () => {
    const p = await probe(await startSystem());
    const error = await rejectionOf(p.within(50, () => p.expectMessage("late", 10_000)));
    expect(error).toBeInstanceOf(ProbeTimeoutError);
    expect((error as ProbeTimeoutError).timeoutMs).toBeLessThanOrEqual(50);
  });
});

describe("stop", () => {
  it("stops the probe's actor and fails a waiting expectation with DeadActorError", async () => {
    const p = await probe(await startSystem());
    const waiting = rejectionOf(p.expectMessage());
    await p.stop();
    expect(p.pid.isAlive()).toBe(false);
    expect(await waiting).toBeInstanceOf(DeadActorError);
  });

  it("keeps messages received before it stopped readable", async () => {
    const p = await probe(await startSystem());
    p.pid.tell("last");
    // Let the probe actor record "last" before it stops (stopping drops unprocessed mail to dead letters).
    for (let i = 0; i < 100 && p.pending === 0; i++) await new Promise((r) => setImmediate(r));
    await p.stop();
    expect(await p.expectMessage("last")).toBe("last");
  });
});
