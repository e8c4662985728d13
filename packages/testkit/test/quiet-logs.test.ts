import { create } from "@bufbuild/protobuf";
import { file_google_protobuf_wrappers, StringValueSchema } from "@bufbuild/protobuf/wkt";
import { ActorSystem } from "@tsakt/actor";
import { cluster, clusterOf } from "@tsakt/cluster";
import { StaticDiscoveryProvider } from "@tsakt/discovery-static";
import { type GrainReceiveContext, grainOf } from "@tsakt/grains";
import { clusterGrains } from "@tsakt/grains/cluster";
import { pubsubOf } from "@tsakt/pubsub";
import { clusterPubSub } from "@tsakt/pubsub/cluster";
import { remoting } from "@tsakt/remote";
import { freePort, startCluster, stopAll, type TestNode } from "@tsakt/test-cluster";
import { type CapturingLogger, capturingLogger, eventually } from "@tsakt/testkit";
import { afterEach, describe, expect, it } from "vitest";

const running: ActorSystem[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((s) => s.stop()));
});

/** An echo grain; "fail" makes it throw (a real problem, which must be logged). */
const echo = () => ({
  onReceive(ctx: GrainReceiveContext) {
    if (!ctx.is(StringValueSchema)) return;
    if (ctx.message.value === "fail") throw new Error("the grain failed on purpose");
    ctx.respond(create(StringValueSchema, { value: ctx.message.value }));
  },
});

/** Three nodes in this process with remoting on 127.0.0.1, cluster, grains and pub/sub, all logging to `log`. */
async function startThree(log: CapturingLogger): Promise<ActorSystem[]> {
  const ports = [await freePort(), await freePort(), await freePort()];
  const peers = ports.map((p) => `127.0.0.1:${p}`);
  for (const [i, port] of ports.entries()) {
    const system = await ActorSystem.start({
      name: "quiet",
      logger: log.child({ node: `n${i + 1}` }),
      plugins: [
        remoting({ host: "127.0.0.1", port, types: [file_google_protobuf_wrappers] }),
        cluster({ discovery: new StaticDiscoveryProvider({ peers }) }),
        clusterGrains({ kinds: { echo: { factory: echo } }, placement: "round-robin" }),
        clusterPubSub(),
      ],
    });
    running.push(system);
  }
  await eventually("3 members on every node", () => running.every((s) => clusterOf(s).members().length === 3), { timeoutMs: 20_000 });
  return [...running];
}

/** Asks 12 grains spread over the nodes and publishes to a subscriber on another node. */
async function work(systems: ActorSystem[]): Promise<void> {
  for (let i = 0; i < 12; i++) {
    const reply = await grainOf(systems[i % 3] as ActorSystem, "echo", `g${i}`).ask<{ value: string }>(
      create(StringValueSchema, { value: `hi ${i}` }),
      { timeoutMs: 5000 },
    );
    expect(reply.value).toBe(`hi ${i}`);
  }
  const [n1, n2] = systems as [ActorSystem, ActorSystem];
  const got: string[] = [];
  const subscriber = await n2.spawnFunc("subscriber", (ctx) => {
    if (ctx.is(StringValueSchema)) got.push(ctx.message.value);
  });
  await pubsubOf(n2).subscribe("news", subscriber);
  await eventually(
    "a publication reaches the other node",
    () => {
      pubsubOf(n1).publish("news", create(StringValueSchema, { value: "extra" }));
      return got.length > 0;
    },
    { timeoutMs: 5000 },
  );
}

describe("a clean start, run and stop logs nothing above info", () => {
  it("for 3 nodes in one process with remoting, cluster, grains and pub/sub, and says at info who joined", async () => {
    const log = capturingLogger();
    const systems = await startThree(log);
    await work(systems);
    // A grain of the node that leaves first is served again by the survivors: its claim was dropped by the leave.
    const [first, , third] = systems as [ActorSystem, ActorSystem, ActorSystem];
    await first.stop();
    for (let i = 0; i < 12; i += 3) {
      const reply = await grainOf(third, "echo", `g${i}`).ask<{ value: string }>(create(StringValueSchema, { value: "again" }), {
        timeoutMs: 5000,
      });
      expect(reply.value).toBe("again");
    }
    await Promise.all(running.splice(0).map((s) => s.stop()));

    expect(log.format(log.atOrAbove("warn"))).toBe("");
    const info = log.atOrAbove("info");
    expect(info.filter((e) => e.msg === "joined the cluster").map((e) => e.fields.members)).toEqual([1, 2, 3]);
    expect(info.some((e) => e.msg === "member up")).toBe(true);
    expect(info.filter((e) => e.msg === "left the cluster")).toHaveLength(3);
  }, 60_000);

  it("still logs a warning for a real problem (a grain that throws), so the check above can fail", async () => {
    const log = capturingLogger();
    const systems = await startThree(log);
    const failing = grainOf(systems[0] as ActorSystem, "echo", "broken");
    failing.tell(create(StringValueSchema, { value: "fail" }));
    await eventually("a warning", () => log.atOrAbove("warn").length > 0, { timeoutMs: 5000 });
    const [warning] = log.atOrAbove("warn");
    expect(warning?.msg).toBe("grain onReceive threw; the grain stays active");
    expect(warning?.fields).toMatchObject({ grain: "echo/broken", err: expect.any(Error) });
    expect(warning?.fields.node).toMatch(/^n[123]$/);
  }, 60_000);
});

describe("nodes in their own processes", () => {
  let nodes: TestNode[] = [];
  afterEach(async () => {
    await stopAll(nodes);
    nodes = [];
  });

  const warnings = (node: TestNode) =>
    node.logs
      .split("\n")
      .filter((line) => /"level":"(warn|error|fatal)"/.test(line))
      .join("\n");

  it("start, serve grains and stop gracefully with no warn or error line on any node", async () => {
    nodes = await startCluster({ size: 3, logLevel: "info" });
    for (let i = 0; i < 9; i++) expect(await nodes[i % 3]?.request<string>("ask", { grain: `g${i}`, text: "hi" })).toMatch(/^127/);
    for (const node of nodes) await node.stop();
    const logs = nodes.map(warnings).join("\n").trim();
    expect(logs).toBe("");
    // Info lines are there (the level is info), so the empty result above is not a silent node.
    for (const node of nodes) expect(node.logs).toContain('"msg":"joined the cluster"');
  }, 90_000);

  it("a node killed with SIGKILL is reported above info by the survivors", async () => {
    nodes = await startCluster({ size: 3, fast: true, logLevel: "info" });
    await nodes[2]?.kill();
    const survivors = nodes.slice(0, 2);
    await eventually("warnings on both survivors", () => survivors.every((n) => warnings(n) !== ""), { timeoutMs: 30_000 });
    expect(warnings(survivors[0] as TestNode)).toMatch(/"level":"warn"/);
  }, 90_000);
});
