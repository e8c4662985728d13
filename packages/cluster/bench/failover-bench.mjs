// Failover bench: five node processes (test/fixtures/safety-node.mjs) in Linux network namespaces, default cluster
// timings. Measures, per round, the time from a 2|3 partition (links cut with bogus neighbour entries) to the
// minority deciding to down itself, to the majority removing it, and to every name, the singleton and every grain
// answering again on the majority; and the same from a SIGKILL of the oldest node. Needs root and iproute2 (the
// partition lab); without them it prints why and measures nothing. Run `npx tsc -b` first, or
// `pnpm bench --only failover`, or `node packages/cluster/bench/failover-bench.mjs [--rounds 3]`.
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { netnsUnavailableReason, startNetnsLab } from "../../../tools/test-servers/dist/index.js";

const { values } = parseArgs({ options: { rounds: { type: "string", default: "3" }, quick: { type: "boolean", default: false } } });
const rounds = values.quick ? 1 : Number(values.rounds);
const fixture = fileURLToPath(new URL("../test/fixtures/safety-node.mjs", import.meta.url));
const loader = fileURLToPath(new URL("../test/fixtures/register-dist.mjs", import.meta.url));
const port = 7355;
const actors = ["name-0", "name-1", "name-2", "name-3", "name-4"];
const grains = ["g0", "g1", "g2", "g3", "g4", "g5"];
const targets = [...actors.map((actor) => ({ actor })), { actor: "boss" }, ...grains.map((grain) => ({ grain }))];
const keys = targets.map((t) => (t.grain !== undefined ? `grain:${t.grain}` : `actor:${t.actor}`));

const reason = netnsUnavailableReason();
if (reason !== undefined) {
  console.log(`skipped: ${reason} (the failover bench runs node processes in network namespaces)`);
  process.exit(0);
}

/** Starts the fixture on `host` of `lab`; returns a handle with request(op, args), events, answers and kill(). */
function startNode(lab, host, answers) {
  const peers = lab.hosts.map((h) => `${h.ip}:${port}`);
  // Three registry copies: with the default two, a side of two can take names with it for good (see the README).
  const config = { host: host.ip, port, peers, cluster: { replicaCount: 3 } };
  const child = lab.spawn(host, process.execPath, ["--import", loader, fixture], {
    env: { ...process.env, TSAKT_SAFETY_NODE: JSON.stringify(config) },
    stdio: ["ignore", "ignore", "inherit", "ipc"],
  });
  const pending = new Map();
  const events = [];
  let nextId = 1;
  child.on("message", (m) => {
    if (m.event === "answer") return void answers.push(m);
    if (m.event !== undefined) return void events.push(m);
    const p = pending.get(m.id);
    pending.delete(m.id);
    if (m.ok) p?.resolve(m.value);
    else p?.reject(Object.assign(new Error(m.error.message), { code: m.error.code }));
  });
  const exited = new Promise((resolve) => child.once("exit", resolve));
  return {
    name: `${host.ip}:${port}`,
    events,
    request(op, args = {}) {
      const id = nextId++;
      return new Promise((resolve, reject) => {
        pending.set(id, { resolve, reject });
        child.send({ id, op, ...args }, (error) => error && reject(error));
      });
    },
    async kill() {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
      await exited;
    },
  };
}

/** Polls `check` every 10 ms for at most `ms`; resolves with the time it first held (ms since the epoch). */
async function until(check, ms, what) {
  const started = Date.now();
  for (;;) {
    if (
      await Promise.resolve()
        .then(check)
        .catch(() => false)
    )
      return Date.now();
    if (Date.now() - started > ms) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** A fresh cluster of five with the targets placed and observed from every node; the first node is the oldest. */
async function startCluster(lab) {
  const answers = [];
  const [first, ...rest] = lab.hosts;
  const nodes = [startNode(lab, first, answers)];
  await until(() => nodes[0].events.some((e) => e.event === "ready"), 60_000, "the first node");
  nodes.push(...rest.map((host) => startNode(lab, host, answers)));
  const names = nodes
    .map((n) => n.name)
    .sort()
    .join(",");
  await until(
    async () => (await Promise.all(nodes.map((n) => n.request("members")))).every((m) => m.join(",") === names),
    60_000,
    "five members",
  );
  for (const name of actors) await nodes[4].request("spawnOn", { name, options: { placement: "round-robin" } });
  await nodes[0].request("singleton", { name: "boss" });
  await Promise.all(grains.map((grain, i) => nodes[i % 5].request("call", { target: { grain }, timeoutMs: 5000 })));
  await Promise.all(nodes.map((n) => n.request("observe", { targets, intervalMs: 100, timeoutMs: 1000 })));
  return { nodes, answers };
}

/** When every target had answered a call sent after `since`, from a caller in `side` and by a copy in `side`. */
function allAnswering(answers, side, since) {
  const first = new Map();
  for (const a of answers)
    if (a.sentAt >= since && side.has(a.caller) && side.has(a.node) && !first.has(a.target)) first.set(a.target, a.repliedAt);
  return keys.every((k) => first.has(k)) ? Math.max(...first.values()) : undefined;
}

async function partitionRound(lab) {
  const { nodes, answers } = await startCluster(lab);
  try {
    const minority = nodes.slice(0, 2);
    const majority = nodes.slice(2);
    const side = new Set(majority.map((n) => n.name));
    await lab.partition(lab.hosts.slice(0, 2), lab.hosts.slice(2));
    const cut = Date.now();
    const decided = await until(
      () => minority.every((n) => n.events.some((e) => e.event === "decision")),
      60_000,
      "the minority to decide",
    );
    const removed = await until(
      () => majority.every((n) => minority.every((m) => n.events.some((e) => e.event === "member-left" && e.name === m.name))),
      60_000,
      "the majority to remove the minority",
    );
    await until(() => allAnswering(answers, side, cut) !== undefined, 60_000, "every target to answer on the majority");
    return { decided: decided - cut, removed: removed - cut, answering: allAnswering(answers, side, cut) - cut };
  } finally {
    await Promise.all(nodes.map((n) => n.kill()));
    await lab.healAll();
  }
}

async function killRound(lab) {
  const { nodes, answers } = await startCluster(lab);
  try {
    const [victim, ...survivors] = nodes;
    const side = new Set(survivors.map((n) => n.name));
    await victim.kill();
    const killed = Date.now();
    const removed = await until(
      () => survivors.every((n) => n.events.some((e) => e.event === "member-left" && e.name === victim.name)),
      60_000,
      "the survivors to remove the killed node",
    );
    await until(() => allAnswering(answers, side, killed) !== undefined, 60_000, "every target to answer on the survivors");
    return { removed: removed - killed, answering: allAnswering(answers, side, killed) - killed };
  } finally {
    await Promise.all(nodes.map((n) => n.kill()));
  }
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const seconds = (ms) => `${(ms / 1000).toFixed(1)} s`;
const row = (label, xs) =>
  `  ${label.padEnd(58)} ${seconds(median(xs)).padStart(7)}   ${xs.length > 1 ? `[${seconds(Math.min(...xs))} – ${seconds(Math.max(...xs))}]` : ""}`;

const lab = await startNetnsLab({ hosts: 5 });
try {
  const parts = [];
  const kills = [];
  for (let i = 0; i < rounds; i++) {
    parts.push(await partitionRound(lab));
    kills.push(await killRound(lab));
  }
  console.log(`  5 node processes in network namespaces, default timings (probe 500 ms, suspicion 1000 ms, stableAfterMs 1500,`);
  console.log(`  downRemovalMarginMs 1500), ${rounds} round(s); median [min – max]`);
  console.log(
    row(
      "2|3 partition → minority decides to down itself",
      parts.map((p) => p.decided),
    ),
  );
  console.log(
    row(
      "2|3 partition → majority has removed it",
      parts.map((p) => p.removed),
    ),
  );
  console.log(
    row(
      "2|3 partition → every name/singleton/grain answers",
      parts.map((p) => p.answering),
    ),
  );
  console.log(
    row(
      "SIGKILL (oldest node) → survivors removed it",
      kills.map((k) => k.removed),
    ),
  );
  console.log(
    row(
      "SIGKILL (oldest node) → every name/singleton/grain answers",
      kills.map((k) => k.answering),
    ),
  );
  console.log("  published defaults (not measured here; see packages/cluster/README.md):");
  console.log("  Akka SBR: stable-after 20 s, down-removal-margin = stable-after; failure detector: heartbeat 1 s, acceptable pause 3 s");
  console.log("  Orleans: a probe every 5 s, suspected after 3 missed probes (~15 s), declared dead on 2 votes");
} finally {
  await lab.destroy();
}
