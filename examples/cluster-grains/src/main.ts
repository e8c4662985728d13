// The flagship demo: three bank nodes on loopback (separate processes, static discovery), account grains spread
// over them by round-robin placement, their balances kept as grain state in one LMDB store the three processes
// share; traffic, then one node is killed with SIGKILL and every account answers again from the survivors with its
// stored balance. Prints a report and exits by itself.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Int64ValueSchema } from "@bufbuild/protobuf/wkt";
import { grainStateKey } from "@tsakt/grains";
import { PersistenceCodec } from "@tsakt/persistence";
import { LmdbStateStore } from "@tsakt/persistence-lmdb";
import { runDashboardDemo } from "./dashboard-demo.js";
import { freePorts, type Node, startNode, until } from "./demo-kit.js";
import type { NodeArgs } from "./node.js";

const ACCOUNTS = Array.from({ length: 300 }, (_, i) => `acct-${String(i).padStart(3, "0")}`);
const ROUNDS = 5;
const AMOUNT = 10;

/** Reads every account's stored balance and version back from the LMDB store, after the nodes stopped. */
async function readStore(path: string, accounts: readonly string[]): Promise<{ records: number; writes: number; total: string }> {
  const store = new LmdbStateStore({ path });
  const codec = new PersistenceCodec({ types: [Int64ValueSchema] });
  let records = 0;
  let writes = 0;
  let total = 0n;
  try {
    for (const id of accounts) {
      const key = grainStateKey({ kind: "account", id });
      const stored = await store.load(key);
      if (stored === undefined) continue;
      records++;
      writes += stored.version;
      total += (codec.unpack(stored.bytes, key) as { value: bigint }).value;
    }
  } finally {
    await store.close();
  }
  return { records, writes, total: String(total) };
}

// `pnpm demo --dashboard`: the same cluster with a live dashboard, kept running until Ctrl-C.
if (process.argv.includes("--dashboard")) {
  await runDashboardDemo(process.argv.slice(2));
  process.exit(0);
}

const workDir = mkdtempSync(join(tmpdir(), "tsakt-bank-"));
const dataDir = join(workDir, "state");
const nodes: Node[] = [];
try {
  const ports = await freePorts(3);
  const peers = ports.map((p) => `127.0.0.1:${p}`);
  const t0 = performance.now();
  for (const [i, port] of ports.entries()) {
    const args: NodeArgs = { port, peers, dataDir };
    nodes.push(startNode(`node-${i + 1}`, args));
  }
  const addresses = await Promise.all(nodes.map((n) => n.started));
  await until("3 members on every node", 20_000, async () => {
    const counts = await Promise.all(nodes.map((n) => n.send({ op: "members" })));
    return counts.every((c) => c.members === 3) ? true : undefined;
  });
  const convergedMs = performance.now() - t0;
  console.log(`nodes: ${addresses.map((a, i) => `node-${i + 1} ${a}`).join(", ")}`);
  console.log(`cluster: 3 nodes converged in ${convergedMs.toFixed(0)} ms (static discovery, SWIM membership)`);
  console.log(`state: account balances are grain state in one LMDB store at ${dataDir}, opened by all 3 node processes`);

  const [driver, ...others] = nodes as [Node, Node, Node];
  const traffic = await driver.send({ op: "deposit", accounts: ACCOUNTS, rounds: ROUNDS, amount: AMOUNT });
  const ops = traffic.ops as number;
  console.log(
    `traffic: ${ops} deposits to ${ACCOUNTS.length} account grains in ${(traffic.ms as number).toFixed(0)} ms = ${Math.round((ops / (traffic.ms as number)) * 1000)} deposits/s (asked from node-1)`,
  );

  const before = await Promise.all(nodes.map((n) => n.send({ op: "stats" })));
  console.log(
    `activations: ${before.map((s, i) => `node-${i + 1} ${s.live}`).join(", ")} (round-robin placement, one activation per account cluster-wide)`,
  );

  const victim = others.reduce((a, b) =>
    (before[nodes.indexOf(a)]?.live as number) >= (before[nodes.indexOf(b)]?.live as number) ? a : b,
  );
  const moved = before[nodes.indexOf(victim)]?.live as number;
  const killedAt = performance.now();
  victim.process.kill("SIGKILL");
  console.log(`failure: ${victim.label} killed with SIGKILL while hosting ${moved} accounts`);

  const expected = String(ROUNDS * AMOUNT);
  const balances = await until("every account to answer with its balance from the survivors", 30_000, async () => {
    const reply = await driver.send({ op: "balances", accounts: ACCOUNTS });
    const values = reply.balances as Array<string | null>;
    return values.every((v) => v !== null) ? values : undefined;
  });
  const failoverMs = performance.now() - killedAt;
  const correct = balances.filter((b) => b === expected).length;
  const survivors = nodes.filter((n) => n !== victim);
  const after = await Promise.all(survivors.map((n) => n.send({ op: "stats" })));
  console.log(`failover: all ${ACCOUNTS.length} accounts answered again ${failoverMs.toFixed(0)} ms after the kill`);
  console.log(
    `balances: ${correct}/${ACCOUNTS.length} correct (${expected} each, loaded from the store by the survivors for the ${moved} moved accounts)`,
  );
  console.log(`activations after: ${after.map((s, i) => `${survivors[i]?.label} ${s.live}`).join(", ")}`);
  for (const node of survivors) await node.send({ op: "stop" });
  console.log("done: survivors left the cluster gracefully");
  const stored = await readStore(dataDir, ACCOUNTS);
  console.log(
    `store: ${stored.records} account records, ${stored.writes} versioned writes (one per deposit), total ${stored.total} in ${dataDir}`,
  );
  if (correct !== ACCOUNTS.length || stored.total !== String(ACCOUNTS.length * ROUNDS * AMOUNT)) process.exitCode = 1;
} finally {
  for (const node of nodes) if (node.process.exitCode === null && node.process.signalCode === null) node.process.kill("SIGKILL");
  rmSync(workDir, { recursive: true, force: true });
}
