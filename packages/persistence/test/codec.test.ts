import { create, toBinary } from "@bufbuild/protobuf";
import { isTsaktError, NodeJoinedSchema, NodeLeftSchema, TerminatedSchema } from "@tsakt/actor";
import { CorruptStateError, MemoryEventJournal, MemoryStateStore, PersistenceCodec } from "@tsakt/persistence";
import { collect } from "@tsakt/persistence/testing";
import { describe, expect, it } from "vitest";

const codec = new PersistenceCodec({ types: [NodeJoinedSchema, NodeLeftSchema] });

describe("PersistenceCodec", () => {
  it("round-trips a registered message through pack/unpack as a google.protobuf.Any", () => {
    const joined = create(NodeJoinedSchema, { address: "tsakt://a@127.0.0.1:1" });
    const restored = codec.unpack(codec.pack(joined), "k");
    expect(restored).toEqual(joined);
  });

  it("stores events with their type name so replay picks the right schema", async () => {
    const journal = new MemoryEventJournal();
    const events = [create(NodeJoinedSchema, { address: "a" }), create(NodeLeftSchema, { address: "b" })];
    await journal.append(
      "pid",
      events.map((e) => codec.encodeEvent(e, { trace: "1" })),
      0,
    );
    const replayed = await collect(journal.replay("pid", 1));
    expect(replayed.map((e) => e.typeName)).toEqual(["tsakt.actor.v1.NodeJoined", "tsakt.actor.v1.NodeLeft"]);
    expect(replayed.map((e) => codec.decodeEvent(e))).toEqual(events);
    expect(replayed[0]!.metadata).toEqual({ trace: "1" });
  });

  it("refuses to encode a message whose schema is not registered, naming its type", () => {
    expect(() => codec.encode(create(TerminatedSchema, {}))).toThrow(
      expect.objectContaining({ code: "UnknownType", typeName: "tsakt.actor.v1.Terminated" }),
    );
  });

  it("refuses plain values unless json is enabled, then round-trips them", () => {
    expect(() => codec.pack({ balance: 5 })).toThrow(expect.objectContaining({ code: "InvalidOption", field: "value" }));
    const json = new PersistenceCodec({ json: true });
    expect(json.unpack(json.pack({ balance: 5, owners: ["ann"] }), "k")).toEqual({ balance: 5, owners: ["ann"] });
    expect(json.decode("tsakt.json", json.encode([1, "two"]).bytes, "k")).toEqual([1, "two"]);
    expect(() => json.encode(Number.NaN)).toThrow(expect.objectContaining({ code: "InvalidOption" }));
  });

  it("turns unreadable stored bytes into CorruptStateError naming the key", async () => {
    const store = new MemoryStateStore();
    await store.save("account/42", Uint8Array.of(0xff, 0xff, 0xff), 0);
    const loaded = await store.load("account/42");
    const garbage = errorOf(() => codec.unpack(loaded!.bytes, "account/42"));
    expect(garbage).toBeInstanceOf(CorruptStateError);
    expect(garbage).toMatchObject({ code: "CorruptState", key: "account/42" });
    expect((garbage as Error).message).toContain('"account/42"');

    const unknownType = toBinary(NodeJoinedSchema, create(NodeJoinedSchema, { address: "x" }));
    const wrongType = errorOf(() => codec.decode("no.such.Type", unknownType, "journal-1#3"));
    expect(wrongType).toMatchObject({ code: "CorruptState", key: "journal-1#3" });
    expect(isTsaktError((wrongType as Error).cause, "UnknownType")).toBe(true);

    const jsonOff = errorOf(() => codec.decode("tsakt.json", new TextEncoder().encode("{}"), "k2"));
    expect(jsonOff).toMatchObject({ code: "CorruptState", key: "k2" });
    const badJson = errorOf(() => new PersistenceCodec({ json: true }).decode("tsakt.json", Uint8Array.of(0x7b), "k3"));
    expect(badJson).toMatchObject({ code: "CorruptState", key: "k3" });
    const badMessage = errorOf(() => codec.decode("tsakt.actor.v1.NodeJoined", Uint8Array.of(0x0a, 0x05, 0x61), "k4"));
    expect(badMessage).toMatchObject({ code: "CorruptState", key: "k4" });
  });

  it("rejects bad options with InvalidOptionError naming the field", () => {
    expect(() => new PersistenceCodec({ types: "x" as never })).toThrow(expect.objectContaining({ field: "types" }));
    expect(() => new PersistenceCodec({ json: "yes" as never })).toThrow(expect.objectContaining({ field: "json" }));
  });
});

function errorOf(run: () => unknown): unknown {
  try {
    run();
  } catch (error) {
    return error;
  }
  throw new Error("expected a throw");
}
