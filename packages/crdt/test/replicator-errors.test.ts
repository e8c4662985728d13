import { create, toBinary } from "@bufbuild/protobuf";
import { ActorSystem, InvalidOptionError, isTsaktError, PluginNotInstalledError, silentLogger } from "@tsakt/actor";
import { CrdtArgumentError, CrdtTypeMismatchError, GCounter, ORSet, PNCounter, toProto } from "@tsakt/crdt";
import { ConsistencyNotMetError, replicator, replicatorOf } from "@tsakt/crdt/cluster";
import { remoteOf } from "@tsakt/remote";
import { describe, expect, it } from "vitest";
import { DataEnvelopeSchema, type WriteAck, WriteSchema } from "../src/gen/tsakt/crdt/v1/replicator_pb.js";
import { type ReplicaNode, startNodes } from "./cluster-helpers.js";

describe("replicator: bad input and unmet consistency give typed errors", () => {
  it("rejects unknown or invalid options, naming the field", () => {
    expect(() => replicator({ gossipIntervalMs: 0 })).toThrow(InvalidOptionError);
    expect(() => replicator({ gossipIntervalMs: 0 })).toThrow(/gossipIntervalMs/);
    expect(() => replicator({ timeoutMs: Number.NaN })).toThrow(/timeoutMs/);
    expect(() => replicator({ maxGossipBytes: 1.5 })).toThrow(/maxGossipBytes/);
    expect(() => replicator({ name: "$bad" })).toThrow(/name/);
    expect(() => replicator({ gossip: 5 } as never)).toThrow(/invalid option gossip: is not a replicator option/);
  });

  it("says which package to add when the plugin is missing", async () => {
    const system = await ActorSystem.start({ name: "alone", logger: silentLogger });
    try {
      expect(() => replicatorOf(system)).toThrow(PluginNotInstalledError);
      expect(() => replicatorOf(system)).toThrow(/@tsakt\/crdt\/cluster/);
    } finally {
      await system.stop();
    }
  });

  it("rejects bad keys, values, functions, consistencies and timeouts before changing anything", async () => {
    const { nodes } = await startNodes(["a", "b"]);
    const r = nodes[0]?.replicator;
    if (r === undefined) throw new Error("no node");
    const inc = (c: PNCounter, node: string) => c.increment(node);
    await expect(r.update("", PNCounter.empty(), inc)).rejects.toBeInstanceOf(CrdtArgumentError);
    await expect(r.update("x".repeat(2000), PNCounter.empty(), inc)).rejects.toMatchObject({
      code: "CrdtInvalidArgument",
      argument: "key",
    });
    await expect(r.update("k", {} as PNCounter, inc)).rejects.toMatchObject({ argument: "initial" });
    await expect(r.update("k", PNCounter.empty(), "inc" as never)).rejects.toMatchObject({ argument: "modify" });
    await expect(r.update("k", PNCounter.empty(), inc, { writeConsistency: "most" as never })).rejects.toThrow(/writeConsistency/);
    await expect(r.update("k", PNCounter.empty(), inc, { writeConsistency: { count: 0 } })).rejects.toBeInstanceOf(InvalidOptionError);
    await expect(r.get("k", { readConsistency: "majority", timeoutMs: -1 })).rejects.toThrow(/timeoutMs/);
    await expect(r.delete("k", { writeConsistency: 3 as never })).rejects.toBeInstanceOf(InvalidOptionError);
    expect(() => r.subscribe("k", {} as never)).toThrow(CrdtArgumentError);
    expect(r.keys()).toEqual([]);
  });

  it("keeps one type per key: another initial type, or modify returning another type, is a CrdtTypeMismatchError", async () => {
    const { nodes } = await startNodes(["a", "b"]);
    const r = nodes[0]?.replicator;
    if (r === undefined) throw new Error("no node");
    await r.update("k", PNCounter.empty(), (c, node) => c.increment(node, 2));
    await expect(r.update("k", ORSet.empty(), (s, node) => s.add(node, "x"))).rejects.toBeInstanceOf(CrdtTypeMismatchError);
    await expect(r.update("k", PNCounter.empty(), () => GCounter.empty() as never)).rejects.toBeInstanceOf(CrdtTypeMismatchError);
    const thrown = new Error("from modify");
    await expect(
      r.update("k", PNCounter.empty(), () => {
        throw thrown;
      }),
    ).rejects.toBe(thrown);
    expect((await r.get<PNCounter>("k"))?.value).toBe(2n);
  });

  it("fails at once with ConsistencyNotMetError when the cluster has fewer nodes than asked, keeping the local change", async () => {
    const { nodes } = await startNodes(["a", "b"]);
    const r = nodes[0]?.replicator;
    if (r === undefined) throw new Error("no node");
    const error = await r
      .update("k", PNCounter.empty(), (c, node) => c.increment(node), { writeConsistency: { count: 3 } })
      .catch((e) => e);
    expect(error).toBeInstanceOf(ConsistencyNotMetError);
    expect(isTsaktError(error, "ConsistencyNotMet")).toBe(true);
    expect(error).toMatchObject({ operation: "update", key: "k", needed: 3 });
    expect((await r.get<PNCounter>("k"))?.value).toBe(1n);
    await expect(r.get("k", { readConsistency: { count: 5 } })).rejects.toMatchObject({ code: "ConsistencyNotMet", operation: "get" });
  });
});

describe("replicator: bad values from other nodes", () => {
  it("refuses a Write it cannot decode or merge, says why, and keeps its value", async () => {
    const { nodes } = await startNodes(["a", "b"]);
    const [a, b] = nodes as [ReplicaNode, ReplicaNode];
    await a.replicator.update("k", PNCounter.empty(), (c, node) => c.increment(node, 5));
    const endpoint = remoteOf(b.system).pidOf(`${a.cluster.self.address}/system/replicator`);
    const write = (envelope: Uint8Array) => endpoint.ask<WriteAck>(create(WriteSchema, { from: "b", envelope }), { timeoutMs: 2000 });

    const garbage = await write(new Uint8Array([0xff, 0xff, 0xff]));
    expect(garbage.ok).toBe(false);
    expect(garbage.error).toMatch(/cannot decode a replicated value/);
    const otherType = toBinary(DataEnvelopeSchema, create(DataEnvelopeSchema, { value: toProto("k", ORSet.empty().add("b#1", "x")) }));
    const mismatch = await write(otherType);
    expect(mismatch).toMatchObject({ ok: false, error: expect.stringMatching(/cannot merge a ORSet into a PNCounter/) });
    expect(a.replicator.stats().rejected).toBe(2);
    expect((await a.replicator.get<PNCounter>("k"))?.value).toBe(5n);
  });
});
