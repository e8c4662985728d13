import { InMemoryLease } from "@tsakt/cluster";
import { describe, expect, it } from "vitest";
import { resolveDowning } from "../src/sbr/options.js";
import { decide, decideWithLease, keepMajority, keepOldest, type SbrView, staticQuorum } from "../src/sbr/strategies.js";

/** A view from `self` of members named oldest first, with `unreachable` cut off. */
function view(self: string, members: string[], unreachable: string[], roles: Record<string, string[]> = {}): SbrView {
  return { self, members: members.map((name) => ({ name, roles: roles[name] ?? [] })), unreachable: new Set(unreachable) };
}

const five = ["a", "b", "c", "d", "e"];

describe("split-brain strategies", () => {
  it("keep-majority: the bigger side survives, each side deciding from its own view", () => {
    expect(keepMajority(view("a", five, ["d", "e"]), undefined)).toBe("down-unreachable");
    expect(keepMajority(view("d", five, ["a", "b", "c"]), undefined)).toBe("down-self");
    expect(keepMajority(view("a", five, ["b"]), undefined)).toBe("down-unreachable");
  });

  it("keep-majority: on an even split the side with the oldest member survives (the 2-node tie too)", () => {
    expect(keepMajority(view("a", ["a", "b", "c", "d"], ["c", "d"]), undefined)).toBe("down-unreachable");
    expect(keepMajority(view("c", ["a", "b", "c", "d"], ["a", "b"]), undefined)).toBe("down-self");
    expect(keepMajority(view("a", ["a", "b"], ["b"]), undefined)).toBe("down-unreachable");
    expect(keepMajority(view("b", ["a", "b"], ["a"]), undefined)).toBe("down-self");
  });

  it("keep-majority with a role counts only members with the role", () => {
    const roles = { a: ["db"], d: ["db"], e: ["db"] };
    // a, b, c against d, e: by count a's side wins, but it has one "db" member against two.
    expect(keepMajority(view("a", five, ["d", "e"], roles), "db")).toBe("down-self");
    expect(keepMajority(view("d", five, ["a", "b", "c"], roles), "db")).toBe("down-unreachable");
  });

  it("static-quorum: a side of at least quorumSize members survives", () => {
    expect(staticQuorum(view("a", five, ["d", "e"]), undefined, 3)).toBe("down-unreachable");
    expect(staticQuorum(view("d", five, ["a", "b", "c"]), undefined, 3)).toBe("down-self");
    expect(staticQuorum(view("a", five, ["c", "d", "e"]), undefined, 3)).toBe("down-self");
  });

  it("keep-oldest: the oldest member's side survives, unless the oldest is alone (downIfAlone)", () => {
    expect(keepOldest(view("a", five, ["b", "c", "d", "e"]), undefined, false)).toBe("down-unreachable");
    expect(keepOldest(view("b", five, ["a"]), undefined, false)).toBe("down-self");
    expect(keepOldest(view("a", five, ["b", "c", "d", "e"]), undefined, true)).toBe("down-self");
    expect(keepOldest(view("b", five, ["a"]), undefined, true)).toBe("down-unreachable");
    expect(keepOldest(view("a", five, ["d", "e"]), undefined, true)).toBe("down-unreachable");
  });

  it("down-all: every side downs itself", () => {
    const settings = resolveDowning({ strategy: "down-all" });
    expect(decide(view("a", five, ["e"]), settings)).toBe("down-self");
    expect(decide(view("e", five, ["a", "b", "c", "d"]), settings)).toBe("down-self");
  });

  it("lease-majority: the side that gets the lease survives; the minority waits before trying", async () => {
    let now = 0;
    const lease = new InMemoryLease(() => now);
    const settings = resolveDowning({ strategy: "lease-majority", lease, acquireLeaseDelayForMinorityMs: 2000 });
    const waits: number[] = [];
    const wait = async (ms: number) => {
      waits.push(ms);
      now += ms;
    };
    const majority = await decideWithLease(view("b", five, ["d", "e"]), settings, wait);
    const minority = await decideWithLease(view("e", five, ["a", "b", "c"]), settings, wait);
    expect([majority, minority]).toEqual(["down-unreachable", "down-self"]);
    expect(waits).toEqual([2000]);
    // Both nodes of the majority ask in the name of their side's oldest member, so both get it.
    expect(await decideWithLease(view("c", five, ["d", "e"]), settings, wait)).toBe("down-unreachable");
    expect(await lease.holder()).toBe("a");
  });

  it("rejects bad downing options, naming the field", () => {
    expect(() => resolveDowning({ strategy: "coin-flip" })).toThrow(expect.objectContaining({ field: "downing.strategy" }));
    expect(() => resolveDowning({ strategy: "static-quorum" })).toThrow(expect.objectContaining({ field: "downing.quorumSize" }));
    expect(() => resolveDowning({ strategy: "lease-majority" })).toThrow(expect.objectContaining({ field: "downing.lease" }));
    expect(() => resolveDowning({ stableAfterMs: -1 })).toThrow(expect.objectContaining({ field: "downing.stableAfterMs" }));
    expect(() => resolveDowning({ whenDowned: "panic" })).toThrow(expect.objectContaining({ field: "downing.whenDowned" }));
    expect(() => resolveDowning({ colour: "red" })).toThrow(expect.objectContaining({ field: "downing.colour" }));
  });
});
