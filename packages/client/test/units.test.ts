import { create } from "@bufbuild/protobuf";
import { InvalidOptionError } from "@tsakt/actor";
import { type ClientNode, connect, isRetryable, leastLoadBalancer, randomBalancer, roundRobinBalancer } from "@tsakt/client";
import { describe, expect, it } from "vitest";
import { GatewayMemberSchema, GatewayMembersSchema } from "../src/gen/tsakt/client/v1/gateway_pb.js";
import { ClientMembership } from "../src/membership.js";

function node(name: string, inFlight = 0, load?: number): ClientNode {
  return {
    name,
    address: `tsakt://s@${name}`,
    uid: name,
    status: "up",
    roles: [],
    inFlight,
    sent: 0,
    failed: 0,
    lastSentAtMs: undefined,
    downAtMs: undefined,
    load,
  };
}

function view(from: string, version: bigint, members: Array<[string, string]>, gone: Array<[string, string]> = []) {
  const member = ([name, uid]: [string, string], status: string) =>
    create(GatewayMemberSchema, { name, uid, status, address: `tsakt://s@${name}` });
  return create(GatewayMembersSchema, {
    from,
    version,
    members: members.map((m) => member(m, "alive")),
    gone: gone.map((m) => member(m, "dead")),
  });
}

describe("balancers", () => {
  const nodes = [node("a"), node("b"), node("c")];

  it("round-robin takes each member in turn", () => {
    const b = roundRobinBalancer();
    expect(Array.from({ length: 6 }, () => b.pick(nodes).name)).toEqual(["a", "b", "c", "a", "b", "c"]);
  });

  it("random stays among the members and reaches each of them", () => {
    const b = randomBalancer();
    const picked = new Set(Array.from({ length: 200 }, () => b.pick(nodes).name));
    expect(picked).toEqual(new Set(["a", "b", "c"]));
  });

  it("least-load picks the lowest in-flight plus reported load, ties shared", () => {
    const b = leastLoadBalancer();
    expect(b.pick([node("a", 3), node("b", 1, 5), node("c", 2)]).name).toBe("c");
    expect(b.pick([node("a", 0, 9), node("b", 4), node("c", 4, 1)]).name).toBe("b");
    const tied = new Set(Array.from({ length: 100 }, () => b.pick([node("a", 1), node("b", 1), node("c", 5)]).name));
    expect(tied).toEqual(new Set(["a", "b"]));
  });
});

describe("the client's membership view", () => {
  it("marks a process run reported gone as down for good, and contacts a new run at the same address", () => {
    const m = new ClientMembership("s");
    const first = m.apply(
      view("a", 1n, [
        ["a", "ua"],
        ["b", "ub"],
      ]),
      1000,
    );
    expect(first.contact.map((n) => n.name)).toEqual(["a", "b"]);
    for (const n of m.nodes.values()) n.status = "up";

    const gone = m.apply(view("a", 2n, [["a", "ua"]], [["b", "ub"]]), 2000);
    expect(gone.down.map((n) => n.name)).toEqual(["b"]);
    expect(m.nodes.get("b")).toMatchObject({ status: "down", downAtMs: 2000 });
    expect(m.up().map((n) => n.name)).toEqual(["a"]);

    // Another gateway's older view still lists b's gone run: ignored.
    expect(
      m.apply(
        view("c", 1n, [
          ["a", "ua"],
          ["b", "ub"],
        ]),
        2500,
      ).contact,
    ).toEqual([]);
    expect(m.nodes.get("b")?.status).toBe("down");
    // A stale (lower) version from the same gateway is ignored too.
    expect(m.apply(view("a", 1n, [["b", "ub2"]]), 2600).contact).toEqual([]);

    // b restarted: a new uid at the same address is a new member to contact.
    const restarted = m.apply(
      view("a", 3n, [
        ["a", "ua"],
        ["b", "ub2"],
      ]),
      3000,
    );
    expect(restarted.contact.map((n) => n.name)).toEqual(["b"]);
    expect(m.nodes.get("b")).toMatchObject({ status: "connecting", uid: "ub2", downAtMs: undefined });
  });
});

describe("client options", () => {
  it("rejects bad options with InvalidOptionError naming the field", async () => {
    await expect(connect({ seeds: ["127.0.0.1:1"] } as never)).rejects.toThrow(/invalid option system/);
    await expect(connect({ system: "s" })).rejects.toThrow(/invalid option seeds: give at least one seed/);
    await expect(connect({ system: "s", seeds: ["nohostport"] })).rejects.toThrow(/seeds\[0\]/);
    await expect(connect({ system: "s", seeds: ["127.0.0.1:1"], balancer: "fastest" as never })).rejects.toBeInstanceOf(InvalidOptionError);
    await expect(connect({ system: "s", seeds: ["127.0.0.1:1"], callTimeoutMs: -1 })).rejects.toThrow(/callTimeoutMs/);
    await expect(connect({ system: "s", seeds: ["127.0.0.1:1"], remoting: { types: [] } as never })).rejects.toThrow(/remoting.types/);
  });

  it("fails connect() with NoNodeAvailableError when no member answers in time", async () => {
    const started = Date.now();
    await expect(connect({ system: "s", seeds: ["127.0.0.1:1"], connectTimeoutMs: 300, logger: silent })).rejects.toMatchObject({
      code: "NoNodeAvailable",
    });
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it("retries only what another attempt can fix", () => {
    for (const code of ["RemoteUnreachable", "RegistryUnavailable", "NoGrainNode", "AskTimeout"]) expect(isRetryable(code)).toBe(true);
    for (const code of ["UnknownGrainKind", "InvalidMessage", "ActorNotFound", "Error"]) expect(isRetryable(code)).toBe(false);
  });
});

const silent = { trace() {}, debug() {}, info() {}, warn() {}, error() {} };
