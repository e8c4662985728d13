import { create } from "@bufbuild/protobuf";
import { TopicInterestSchema } from "@tsakt/pubsub/internal";
import { describe, expect, it } from "vitest";
import { DedupWindow } from "../src/dedup-window.js";
import { InterestTable } from "../src/interest-table.js";

const snapshot = (node: string, uid: string, version: number, topics: string[]) =>
  create(TopicInterestSchema, { node, uid, version, topics });

describe("the de-duplication window", () => {
  it("accepts each sequence number once, with gaps, and numbers that arrive late within the window", () => {
    const window = new DedupWindow(4);
    expect([1, 1, 3, 2, 3, 2, 7, 6, 7].map((seq) => window.accept(seq))).toEqual([
      true,
      false,
      true,
      true,
      false,
      false,
      true,
      true,
      false,
    ]);
  });

  it("treats numbers older than the window as already delivered", () => {
    const window = new DedupWindow(4);
    window.accept(10);
    expect(window.accept(6)).toBe(false);
    expect(window.accept(7)).toBe(true);
  });
});

describe("the interest table", () => {
  it("indexes nodes by topic from their snapshots, newest version of a run winning", () => {
    const table = new InterestTable();
    expect(table.apply(snapshot("b", "u1", 2, ["news", "sport"]))).toBe(true);
    table.apply(snapshot("c", "u2", 1, ["news"]));
    expect(table.apply(snapshot("b", "u1", 1, []))).toBe(false);
    expect(table.nodesOf("news")).toEqual(["b", "c"]);
    table.apply(snapshot("b", "u1", 3, ["sport"]));
    expect(table.nodesOf("news")).toEqual(["c"]);
    expect(table.nodesOf("sport")).toEqual(["b"]);
  });

  it("takes a restarted node's snapshot whatever its version, and forgets a node only for the run that left", () => {
    const table = new InterestTable();
    table.apply(snapshot("b", "old", 9, ["news"]));
    table.apply(snapshot("b", "new", 1, ["sport"]));
    expect(table.nodesOf("news")).toEqual([]);
    table.forget("b", "old");
    expect(table.nodesOf("sport")).toEqual(["b"]);
    table.forget("b", "new");
    expect(table.nodesOf("sport")).toEqual([]);
  });
});
