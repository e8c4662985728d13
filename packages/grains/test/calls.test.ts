import { create, isMessage } from "@bufbuild/protobuf";
import { anyPack, StringValueSchema } from "@bufbuild/protobuf/wkt";
import { grainOf } from "@tsakt/grains";
import { GrainCallFailedSchema, GrainCallSchema } from "@tsakt/grains/cluster";
import { remoteOf } from "@tsakt/remote";
import { describe, expect, it } from "vitest";
import { startCluster, text, whereKind } from "./cluster-helpers.js";

describe("grain calls between nodes", () => {
  it("a GrainCall from a node of an earlier version still reaches the grain, asks and tells in order", async () => {
    const activations = new Map<string, string[]>();
    const [a, b] = await startCluster(["a", "b"], (name) => ({ kinds: { where: whereKind(name, activations) } }));
    if (a === undefined || b === undefined) throw new Error("two nodes");
    expect(await grainOf(b.system, "where", "x").ask(text("first"))).toMatchObject({ value: `${b.name} 1` });
    // What an earlier node sends: the message packed in an Any, inside a GrainCall to the owner's grain manager.
    const manager = remoteOf(a.system).pidOf(`${b.address}/system/grains`);
    const call = (value: string, ask: boolean) =>
      create(GrainCallSchema, { kind: "where", id: "x", message: anyPack(StringValueSchema, text(value)), ask, hops: 1, timeoutMs: 5000 });
    expect(manager.tell(call("told", false))).toBe(true);
    expect(await manager.ask(call("asked", true), { timeoutMs: 5000 })).toMatchObject({ value: `${b.name} 3` });
    expect(activations.get("x")).toEqual([b.name]);
    // A call the owner cannot serve answers GrainCallFailed with the error's code.
    const failed = await manager.ask(create(GrainCallSchema, { ...call("x", true), kind: "nope" }), { timeoutMs: 5000 });
    expect(isMessage(failed, GrainCallFailedSchema) && failed.code).toBe("UnknownGrainKind");
  });

  it("an ask that placement sends to a node without the grain's kind fails with that node's typed error", async () => {
    let bAddress = "";
    const toB = { name: "to-b", place: () => bAddress };
    const [a, b] = await startCluster(["a", "b"], (name) =>
      name === "a" ? { kinds: { where: whereKind(name, new Map()) }, placement: toB } : { kinds: {} },
    );
    if (a === undefined || b === undefined) throw new Error("two nodes");
    bAddress = b.address;
    await expect(grainOf(a.system, "where", "y").ask(text("hi"), { timeoutMs: 5000 })).rejects.toMatchObject({
      code: "UnknownGrainKind",
    });
    // A tell there becomes a warning on b, not a crash; a's next ask fails the same way.
    expect(grainOf(a.system, "where", "y").tell(text("lost"))).toBe(true);
    await expect(grainOf(a.system, "where", "y").ask(text("again"), { timeoutMs: 5000 })).rejects.toMatchObject({
      code: "UnknownGrainKind",
    });
  });
});
