import { create, toBinary } from "@bufbuild/protobuf";
import { ClusterMessageSchema, type Member, MemberSchema } from "@tsakt/cluster";
import { EnvelopeKind, Role } from "@tsakt/remote/internal";
import { eventually } from "@tsakt/testkit";
import { afterEach, describe, expect, it } from "vitest";
import { freePorts } from "../../../tools/test-servers/src/index.js";
import { envelopeFrame, seededRandom } from "../../remote/test/support/frames.js";
import { rawDial } from "../../remote/test/support/raw-handshake.js";
import { clusterFuzzer } from "./cluster-fuzz.js";
import { converged, ProcessNode, type ProcessNodeConfig, startProcessCluster } from "./process-nodes.js";

const secret = "cluster-secret-0123456789abcdef";
const clientSecret = "client-secret-0123456789abcdef";

interface View {
  members: Array<{ name: string; uid: string; status: string; incarnation: number }>;
  unreachable: string[];
  self: { name: string; uid: string };
}

const portOf = (node: ProcessNode) => node.config.port;
const addressOf = (node: ProcessNode) => `tsakt://cluster-test@${node.name}`;

describe("a cluster with a shared secret (separate OS processes)", () => {
  const nodes: ProcessNode[] = [];

  afterEach(async () => {
    await Promise.all(nodes.splice(0).map((n) => n.kill()));
  });

  const startCluster = (count: number, extra: Partial<ProcessNodeConfig> = {}) => startProcessCluster(nodes, count, extra);

  it("a node with the wrong secret cannot join, gossip or write the members' registry", async () => {
    const members = await startCluster(3, { auth: { secret }, fast: true, logLevel: "warn" });
    await Promise.all(["a", "b", "c"].map((key, i) => (members[i] as ProcessNode).request("put", { key })));
    const before = await Promise.all(members.map((m) => m.request<number>("entryCount")));
    const [port] = await freePorts(1);
    const intruder = await ProcessNode.start({
      port: port as number,
      peers: [...members.map((m) => m.name), `127.0.0.1:${port}`],
      auth: { secret: "not-the-cluster-secret-0123" },
      fast: true,
    });
    nodes.push(intruder);
    // It could not reach anyone, so it is a cluster of one, whose registry is its own.
    expect(await intruder.request("members")).toEqual([intruder.name]);
    expect(await intruder.request("put", { key: "intruder" })).toBe(true);
    // It keeps trying (re-discovery every second): wait until the members refused it a few times.
    await eventually(
      "refusals of the intruder in the members' logs",
      () => members.reduce((n, m) => n + (m.logs.match(/"code":"AuthenticationFailed"/g)?.length ?? 0), 0) >= 3,
      { timeoutMs: 15_000 },
    );
    await eventually(
      "the members still list only themselves",
      () =>
        converged(
          members,
          members.map((m) => m.name),
        ),
      { timeoutMs: 5000 },
    );
    for (const m of members) expect(await m.request("get", { key: "intruder" })).toBeUndefined();
    expect(await Promise.all(members.map((m) => m.request<number>("entryCount")))).toEqual(before);
  });

  it("a connection without the secret is refused before it can send cluster traffic, and a client's cluster traffic is refused", async () => {
    const members = await startCluster(3, { auth: { secret, clientSecret } });
    const target = members[0] as ProcessNode;
    const views = await Promise.all(members.map((m) => m.request<View>("view")));
    const phantom = create(MemberSchema, { name: "phantom", host: "127.0.0.1", port: 1, system: "cluster-test", uid: "p", startedAtMs: 1 });
    const gossip = (from: Member) =>
      envelopeFrame({
        kind: EnvelopeKind.TELL,
        receiver: `${addressOf(target)}/system/cluster`,
        typeName: ClusterMessageSchema.typeName,
        payload: toBinary(
          ClusterMessageSchema,
          create(ClusterMessageSchema, {
            from,
            updates: [{ member: phantom, status: 1 }],
            body: { case: "sync", value: { states: [{ member: phantom, status: 1 }] } },
          }),
        ),
      });
    const noSecret = await rawDial({ port: portOf(target), system: "cluster-test", claimedPort: 1, nodeId: "x", pretendSecret: true });
    expect(noSecret.refused).toMatchObject({ code: "AuthenticationFailed" });
    const denied: string[] = [];
    const client = await rawDial({
      port: portOf(target),
      system: "app",
      claimedPort: 1,
      nodeId: "c",
      role: Role.CLIENT,
      secret: clientSecret,
      onEnvelope: (e) => {
        if (e.kind === EnvelopeKind.ERROR) denied.push(e.typeName);
      },
    });
    expect(client.acceptor).toBeDefined();
    client.socket.write(
      Buffer.concat([
        gossip(phantom),
        envelopeFrame({
          kind: EnvelopeKind.ASK,
          correlationId: 7,
          receiver: `${addressOf(target)}/system/cluster`,
          typeName: ClusterMessageSchema.typeName,
          payload: toBinary(
            ClusterMessageSchema,
            create(ClusterMessageSchema, { from: phantom, body: { case: "lookup", value: { key: "a" } } }),
          ),
        }),
      ]),
    );
    await eventually("the client's ask refused", () => denied.length === 1, { timeoutMs: 5000 });
    client.socket.destroy();
    expect(target.logs).not.toContain("phantom");
    expect(await Promise.all(members.map((m) => m.request<View>("view")))).toEqual(views);
  });

  it("100,000 random cluster messages from an authenticated connection crash nothing and corrupt no member's view", async () => {
    const members = await startCluster(3, { auth: { secret }, logLevel: "warn" });
    const keys = Array.from({ length: 30 }, (_, i) => `key-${i}`);
    await Promise.all(keys.map((key, i) => (members[i % 3] as ProcessNode).request("put", { key })));
    await Promise.all(
      ["m0", "m1", "m2"].map((name, i) => (members[i] as ProcessNode).request("spawnOn", { name, options: { placement: "local" } })),
    );
    const owners = await Promise.all(keys.map((key) => (members[0] as ProcessNode).request<string>("get", { key })));
    const before = await Promise.all(members.map((m) => m.request<View>("view")));
    const counts = await Promise.all(members.map((m) => m.request<number>("entryCount")));
    const real = (before[0] as View).members.map((m, i) =>
      create(MemberSchema, {
        name: m.name,
        uid: m.uid,
        host: "127.0.0.1",
        port: portOf(members[i] as ProcessNode),
        system: "cluster-test",
      }),
    );

    // One authenticated connection per member; batches of 500 go to each in turn.
    const r = seededRandom(1313);
    const markers = new Set<number>();
    const conns = await Promise.all(
      members.map((member) =>
        rawDial({
          port: portOf(member),
          system: "cluster-test",
          claimedPort: 1,
          nodeId: "fuzzer",
          secret,
          onEnvelope: (e) => {
            if (e.correlationId >= 2 ** 31) markers.add(e.correlationId);
          },
        }),
      ),
    );
    for (const conn of conns) expect(conn.acceptor?.system).toBe("cluster-test");
    const fuzzers = members.map((member) => clusterFuzzer(r, { address: addressOf(member), members: real, keys }));
    let sent = 0;
    for (let batch = 0; sent < 100_000; batch++) {
      const i = batch % 3;
      const conn = conns[i] as (typeof conns)[number];
      const fuzz = fuzzers[i] as (typeof fuzzers)[number];
      const frames = Array.from({ length: Math.min(500, 100_000 - sent) }, () => fuzz.next());
      sent += frames.length;
      if (!conn.socket.write(Buffer.concat(frames))) await new Promise((resolve) => conn.socket.once("drain", resolve));
    }
    // A last ask on each connection: its answer (ActorNotFound) comes after everything before it was read.
    for (const [i, conn] of conns.entries()) {
      const member = members[i] as ProcessNode;
      conn.socket.write(
        envelopeFrame({ kind: EnvelopeKind.ASK, correlationId: 2 ** 31 + i, receiver: `${addressOf(member)}/user/none`, typeName: "x" }),
      );
    }
    await eventually("every connection read everything", () => markers.size === 3, { timeoutMs: 60_000 });
    for (const conn of conns) conn.socket.destroy();
    expect(sent).toBe(100_000);

    for (const member of members) expect(member.logs).not.toMatch(/"level":"error"/);
    // Every member still sees exactly the three, alive, at sane incarnations, and nobody unreachable.
    await eventually(
      "every view unchanged",
      async () => {
        const views = await Promise.all(members.map((m) => m.request<View>("view")));
        return views.every(
          (v) =>
            v.unreachable.length === 0 &&
            JSON.stringify(v.members.map((m) => [m.name, m.uid, m.status])) ===
              JSON.stringify((before[0] as View).members.map((m) => [m.name, m.uid, "alive"])) &&
            v.members.every((m) => m.incarnation <= 16),
        );
      },
      { timeoutMs: 10_000 },
    );
    expect(await Promise.all(members.map((m) => m.request<number>("entryCount")))).toEqual(counts);
    expect(await Promise.all(keys.map((key) => (members[1] as ProcessNode).request<string>("get", { key })))).toEqual(owners);
    for (const m of members) expect(m.pid).toBeGreaterThan(0);
    // And the cluster works: a new key, the cluster actors.
    expect(await (members[2] as ProcessNode).request("put", { key: "after" })).toBe(true);
    expect(await (members[0] as ProcessNode).request("get", { key: "after" })).toBe((members[2] as ProcessNode).name);
    for (const [i, name] of ["m0", "m1", "m2"].entries())
      expect(await (members[(i + 1) % 3] as ProcessNode).request("ask", { name, message: "hi" })).toBe(
        `${(members[i] as ProcessNode).name}:hi`,
      );
  }, 180_000);
});
