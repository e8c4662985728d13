import { describe, expect, it } from "vitest";
import { type AnsweredCall, copiesByTarget, findOverlaps } from "./history.js";

function call(instance: string, sentAt: number, repliedAt: number, target = "grain:g1"): AnsweredCall {
  return { target, caller: "c", node: `node-of-${instance}`, instance, sentAt, repliedAt };
}

describe("the history checker", () => {
  it("finds two copies whose certain windows meet", () => {
    // a answered between 100 and 110 and again between 300 and 310: alive at least from 111 to 300.
    // b likewise from 201 to 400: both alive from 201 to 300.
    const overlaps = findOverlaps([call("a", 100, 110), call("a", 300, 310), call("b", 190, 200), call("b", 400, 405)]);
    expect(overlaps).toHaveLength(1);
    expect(overlaps[0]).toMatchObject({ target: "grain:g1", first: { instance: "a" }, second: { instance: "b" } });
    expect(overlaps[0]?.evidence).toContain("from 201 to 300");
  });

  it("finds a single answer of one copy that lies inside the other's certain window", () => {
    const overlaps = findOverlaps([call("a", 100, 110), call("a", 500, 510), call("b", 200, 260)]);
    expect(overlaps).toHaveLength(1);
    expect(overlaps[0]?.evidence).toContain("b answered a call");
  });

  it("accepts copies one after the other, even when their calls' round trips overlap", () => {
    // a's last answer came somewhere in [290, 320]; b's first in [300, 330]: both orders are possible.
    const calls = [call("a", 100, 110), call("a", 290, 320), call("b", 300, 330), call("b", 600, 610)];
    expect(findOverlaps(calls)).toEqual([]);
  });

  it("accepts one call of a copy that only straddles the other's certain window", () => {
    expect(findOverlaps([call("a", 100, 110), call("a", 300, 310), call("b", 250, 350)])).toEqual([]);
  });

  it("keeps targets apart and reports each copy's span", () => {
    const calls = [
      call("a", 100, 110, "grain:g1"),
      call("a", 300, 310, "grain:g1"),
      call("b", 150, 160, "actor:x"),
      call("b", 250, 260, "actor:x"),
    ];
    expect(findOverlaps(calls)).toEqual([]);
    expect(copiesByTarget(calls).get("grain:g1")).toEqual([
      { instance: "a", node: "node-of-a", calls: 2, firstSentAt: 100, lastRepliedAt: 310, certainFrom: 111, certainTo: 300 },
    ]);
  });
});
