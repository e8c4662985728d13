// Multi-datacenter bench: two datacenters of two node processes each (test/fixtures/dc-node.mjs) on 127.0.0.1, the
// control plane on a nats-server with JetStream (tools/test-servers). Prints sequential ask p50/p99 and tell
// throughput to an actor in the other datacenter (through its gateway, and direct) beside the same calls to an actor
// on another node of the caller's own datacenter, and the time from SIGKILL of a whole datacenter to INACTIVE on
// every node of the other. In A only the first node is a gateway and the called actor lives on the second, so a
// gateway-routed call crosses two processes each way.
// `npx tsc -b` first, then `node packages/multidc/bench/multidc-bench.mjs [--asks 2000] [--tells 100000] [--quick] [--json]`, or
// `pnpm bench --only multidc`.
import { fork } from "node:child_process";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { freePorts, startNatsServer } from "../../../tools/test-servers/dist/index.js";

const { values } = parseArgs({
  options: {
    asks: { type: "string", default: "2000" },
    tells: { type: "string", default: "100000" },
    quick: { type: "boolean", default: false },
    json: { type: "boolean", default: false },
  },
});
const asks = values.quick ? 300 : Number(values.asks);
const tells = values.quick ? 10_000 : Number(values.tells);
const heartbeatMs = 500;
const leaseMs = 3000;
const fixture = fileURLToPath(new URL("../test/fixtures/dc-node.mjs", import.meta.url));
const loader = fileURLToPath(new URL("../../cluster/test/fixtures/register-dist.mjs", import.meta.url));

let nextId = 1;

/** One datacenter node process; `events` collects what it reports, `request(op, args)` runs a fixture command. */
function startNode(dc, port, config) {
  const child = fork(fixture, [], {
    execArgv: ["--import", loader],
    env: { ...process.env, TSAKT_DC_NODE: JSON.stringify({ ...config, dc, port }) },
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  const events = [];
  child.on("message", (m) => m.event !== undefined && events.push(m));
  const exited = new Promise((resolve) => child.once("exit", resolve));
  const request = (op, args = {}) =>
    new Promise((resolve, reject) => {
      const id = nextId++;
      const answer = (m) => {
        if (m.id !== id) return;
        child.off("message", answer);
        if (m.ok) resolve(m.value);
        else reject(Object.assign(new Error(m.error.message), { code: m.error.code }));
      };
      child.on("message", answer);
      child.send({ id, op, ...args });
    });
  const kill = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
    await exited;
  };
  return { events, request, kill };
}

async function until(what, check, timeoutMs) {
  const deadline = performance.now() + timeoutMs;
  while (!(await check())) {
    if (performance.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

async function startDatacenter(dc, config) {
  const ports = await freePorts(2);
  const peers = ports.map((p) => `127.0.0.1:${p}`);
  return ports.map((port) => startNode(dc, port, { ...config, peers }));
}

const us = (v) => `${v.toFixed(0)} µs`;
const rate = (v) => `${(v / 1000).toFixed(0)}k/s`;

const server = await startNatsServer({ jetstream: true });
const nodes = [];
try {
  const config = { controlPlane: { kind: "nats", url: server.url }, heartbeatMs, leaseMs };
  const a = await startDatacenter("dc-a", { ...config, gatewayRole: "gateway", roles: [["gateway"], ["worker"]] });
  const b = await startDatacenter("dc-b", config);
  nodes.push(...a, ...b);
  const seen = async (on, dc, state) => (await Promise.all(on.map((n) => n.request("states")))).every((s) => s[dc]?.state === state);
  await until("nodes ready", () => nodes.every((n) => n.events.some((e) => e.event === "ready")), 30_000);
  await until("both ACTIVE", async () => (await seen(nodes, "dc-a", "ACTIVE")) && seen(nodes, "dc-b", "ACTIVE"), 30_000);
  // Two actors in B; the caller in B is the node that does not host "near", so both calls cross a process.
  await b[0].request("spawnHere", { name: "near" });
  const caller = (await b[0].request("isLocal", { name: "near" })) ? b[1] : b[0];
  await a[0].request("spawnHere", { name: "far", role: "worker" });
  const calls = async (args) => ({
    ...(await caller.request("latency", { ...args, n: asks })),
    tellsPerSecond: await caller.request("throughput", { ...args, n: tells }),
  });
  const result = {
    heartbeatMs,
    leaseMs,
    same: await calls({ name: "near" }),
    cross: await calls({ name: "far", dc: "dc-a", routing: "gateway" }),
    crossDirect: await calls({ name: "far", dc: "dc-a", routing: "direct" }),
  };
  if (!values.json) {
    console.log(`call                                  ask p50   ask p99   tells (${tells})`);
    for (const [label, r] of [
      ["same datacenter, other node", result.same],
      ["other datacenter, through a gateway", result.cross],
      ["other datacenter, direct", result.crossDirect],
    ])
      console.log(`${label.padEnd(37)} ${us(r.p50).padEnd(9)} ${us(r.p99).padEnd(9)} ${rate(r.tellsPerSecond)}`);
  }
  // Death of datacenter A: time until every node of B sees it INACTIVE.
  const killedAt = Date.now();
  await Promise.all(a.map((n) => n.kill()));
  await until("dc-a INACTIVE in dc-b", () => seen(b, "dc-a", "INACTIVE"), leaseMs * 5).catch(async (error) => {
    console.error(JSON.stringify(await Promise.all(b.map((n) => n.request("states")))));
    throw error;
  });
  const at = b.map((n) => n.events.find((e) => e.datacenter === "dc-a" && e.state === "INACTIVE")?.at ?? Number.NaN);
  result.inactiveAfterKillMs = Math.max(...at) - killedAt;
  if (values.json) console.log(JSON.stringify(result));
  else
    console.log(
      `SIGKILL of a whole datacenter → INACTIVE on every node of the other: ${result.inactiveAfterKillMs} ms (lease ${leaseMs} ms, heartbeat ${heartbeatMs} ms)`,
    );
} finally {
  await Promise.all(nodes.map((n) => n.kill()));
  await server.stop();
}
