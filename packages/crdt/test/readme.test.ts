import { decodeReplicatedValue, encodeReplicatedValue, ORSet, PNCounter } from "@tsakt/crdt";
import { expect, it } from "vitest";

it("runs the README example", () => {
  let a = PNCounter.empty().increment("node-a", 5);
  let b = PNCounter.empty().increment("node-b", 3).decrement("node-b", 1);
  const bytes = encodeReplicatedValue("visits", b.delta!);
  a = a.mergeDelta(decodeReplicatedValue(bytes).data as PNCounter);
  b = b.resetDelta().merge(a);
  expect([a.value, b.value]).toEqual([7n, 7n]);
  const shared = ORSet.empty().add("node-a", "x");
  expect(shared.remove("x").merge(shared.add("node-b", "x")).has("x")).toBe(true);
});
