import { create } from "@bufbuild/protobuf";
import { type ClusterMessage, ClusterMessageSchema, MemberSchema } from "@tsakt/cluster";
import { InMemoryClusterNetwork } from "@tsakt/cluster/testing";
import { afterEach, describe, expect, it, vi } from "vitest";
import { advance, useClusterFakeTimers } from "./helpers.js";

function message(from: string, key: string): ClusterMessage {
  return create(ClusterMessageSchema, {
    from: create(MemberSchema, { name: from }),
    body: { case: "lookup", value: { key, anyHolder: false } },
  });
}

function keyOf(m: ClusterMessage): string | undefined {
  return m.body.case === "lookup" ? m.body.value.key : undefined;
}

describe("in-memory cluster network", () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  function pair(network = new InMemoryClusterNetwork()) {
    const a = network.transport({ name: "a", host: "10.0.0.1", port: 1 });
    const b = network.transport({ name: "b", host: "10.0.0.2", port: 1 });
    const seen: string[] = [];
    b.onMessage((m, reply) => {
      seen.push(keyOf(m) ?? "?");
      reply?.(message("b", `re:${keyOf(m)}`));
    });
    return { network, a, b, seen };
  }

  it("delivers one-way messages and requests through protobuf encoding, asynchronously", async () => {
    const { a, b, seen } = pair();
    const sent = message("a", "x");
    a.send(b.self, sent);
    expect(seen).toEqual([]);
    const reply = await a.request(b.self, message("a", "y"), 1000);
    expect(seen).toEqual(["x", "y"]);
    expect(keyOf(reply)).toBe("re:y");
    expect(reply.from?.name).toBe("b");
  });

  it("black-holes a killed node, so requests to it time out, until it is revived", async () => {
    useClusterFakeTimers();
    const { network, a, b, seen } = pair();
    network.kill("b");
    const pending = a.request(b.self, message("a", "lost"), 200);
    const outcome = pending.catch((e: unknown) => e);
    await advance(250);
    expect(await outcome).toMatchObject({ code: "ClusterRequestTimeout", member: "b" });
    network.revive("b");
    const ok = a.request(b.self, message("a", "ok"), 200);
    await advance(1);
    expect(keyOf(await ok)).toBe("re:ok");
    expect(seen).toEqual(["ok"]);
    expect(network.dropped).toBeGreaterThan(0);
  });

  it("keeps partitioned groups apart until healed", () => {
    const network = new InMemoryClusterNetwork();
    network.partition(["a", "b"], ["c"]);
    expect(network.canReach("a", "b")).toBe(true);
    expect(network.canReach("a", "c")).toBe(false);
    expect(network.canReach("d", "c")).toBe(false);
    network.heal();
    expect(network.canReach("a", "c")).toBe(true);
  });

  it("delays messages to and from a slow node", async () => {
    useClusterFakeTimers();
    const { network, a, b, seen } = pair();
    network.delay("b", 100);
    a.send(b.self, message("a", "late"));
    await advance(99);
    expect(seen).toEqual([]);
    await advance(1);
    expect(seen).toEqual(["late"]);
  });

  it("drops every message at rate 1 and none at rate 0", async () => {
    const { network, a, b, seen } = pair();
    network.drop(1, "b");
    a.send(b.self, message("a", "gone"));
    await new Promise((r) => setImmediate(r));
    network.drop(0, "b");
    a.send(b.self, message("a", "kept"));
    await new Promise((r) => setImmediate(r));
    expect(seen).toEqual(["kept"]);
  });

  it("rejects requests to an address nobody listens on, and pending requests when closed", async () => {
    const { network, a, b } = pair();
    await expect(a.request({ name: "z", host: "10.0.0.9", port: 1 }, message("a", "x"), 1000)).rejects.toMatchObject({
      code: "ClusterUnreachable",
    });
    network.kill("b");
    const pending = a.request(b.self, message("a", "x"), 60_000);
    await a.close();
    await expect(pending).rejects.toMatchObject({ code: "ClusterUnreachable" });
    expect(() => network.transport({ name: "b", host: "10.0.0.3", port: 1 })).toThrow(/already in use/);
    expect(() => network.transport({ name: "c", host: "10.0.0.2", port: 1 })).toThrow(/already in use/);
    expect(() => network.transport({ name: "c", host: "10.0.0.2", port: 0 })).toThrow(/address.port/);
  });
});
