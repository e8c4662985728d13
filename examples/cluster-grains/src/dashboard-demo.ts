// `pnpm demo --dashboard`: the bank cluster with each node's management endpoint on, printing node-1's dashboard URL.
// Deposits keep flowing; after --kill-after seconds (default 20) the node hosting most accounts is killed with SIGKILL,
// and the dashboard shows it leave the members graph, the event log entry, the message rates dip and recover, and the
// grain activations move to the survivors. It runs until Ctrl-C (SIGINT) or SIGTERM, then stops the survivors.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePorts, type Node, startNode, until } from "./demo-kit.js";

const ACCOUNTS = Array.from({ length: 300 }, (_, i) => `acct-${String(i).padStart(3, "0")}`);
/** Accounts deposited to per tick, and ticks per second: about 600 deposits/s across the cluster. */
const BATCH = 60;
const TICK_MS = 100;

function killAfterMs(argv: readonly string[]): number {
  const i = argv.indexOf("--kill-after");
  const seconds = i < 0 ? 20 : Number(argv[i + 1]);
  if (!Number.isFinite(seconds) || seconds < 0) throw new Error(`--kill-after needs a number of seconds, got ${argv[i + 1]}`);
  return seconds * 1000;
}

/** Runs the demo until SIGINT or SIGTERM. */
export async function runDashboardDemo(argv: readonly string[]): Promise<void> {
  const killAfter = killAfterMs(argv);
  const workDir = mkdtempSync(join(tmpdir(), "tsakt-bank-"));
  const dataDir = join(workDir, "state");
  const nodes: Node[] = [];
  let stopping = false;
  const stopped = new Promise<void>((resolve) => {
    const stop = () => {
      stopping = true;
      resolve();
    };
    process.once("SIGINT", stop);
    process.once("SIGTERM", stop);
  });
  try {
    const ports = await freePorts(3);
    const peers = ports.map((p) => `127.0.0.1:${p}`);
    for (const [i, port] of ports.entries()) nodes.push(startNode(`node-${i + 1}`, { port, peers, dataDir, dashboard: true }));
    await Promise.all(nodes.map((n) => n.started));
    await until("3 members on every node", 20_000, async () => {
      const counts = await Promise.all(nodes.map((n) => n.send({ op: "members" })));
      return counts.every((c) => c.members === 3) ? true : undefined;
    });
    const [driver, ...others] = nodes as [Node, Node, Node];
    console.log(`dashboard: ${driver.url}/dashboard/`);
    console.log(`nodes: ${nodes.map((n) => `${n.label} ${n.url}`).join(", ")} (each serves the same dashboard)`);
    console.log(
      `traffic: ${Math.round((BATCH * 1000) / TICK_MS)} deposits/s to ${ACCOUNTS.length} account grains, asked from node-1; Ctrl-C stops`,
    );

    let offset = 0;
    let failed = 0;
    const traffic = (async () => {
      while (!stopping) {
        const accounts = ACCOUNTS.slice(offset, offset + BATCH);
        offset = (offset + BATCH) % ACCOUNTS.length;
        const started = Date.now();
        const reply = await driver.send({ op: "traffic", accounts, amount: 1 }).catch(() => ({ failed: accounts.length }));
        failed += Number(reply.failed ?? 0);
        await new Promise((r) => setTimeout(r, Math.max(0, TICK_MS - (Date.now() - started))));
      }
    })();

    const killAt = Date.now() + killAfter;
    while (!stopping && Date.now() < killAt) await Promise.race([stopped, new Promise((r) => setTimeout(r, 200))]);
    if (!stopping) {
      const stats = await Promise.all(others.map((n) => n.send({ op: "stats" })));
      const victim = (stats[0]?.live as number) >= (stats[1]?.live as number) ? others[0] : others[1];
      const killedAt = Date.now();
      victim.process.kill("SIGKILL");
      console.log(`failure: ${victim.label} killed with SIGKILL — watch it leave the members graph and its grains move`);
      const failedBefore = failed;
      await until("every account to answer from the survivors", 60_000, async () => {
        if (stopping) return true;
        const reply = await driver.send({ op: "balances", accounts: ACCOUNTS });
        return (reply.balances as Array<string | null>).every((b) => b !== null) ? true : undefined;
      });
      if (!stopping)
        console.log(
          `failover: all ${ACCOUNTS.length} accounts answered again ${Date.now() - killedAt} ms after the kill (${failed - failedBefore} deposits failed meanwhile); still running, Ctrl-C stops`,
        );
    }
    await stopped;
    await traffic;
    for (const node of nodes)
      if (node.process.exitCode === null && node.process.signalCode === null) await node.send({ op: "stop" }).catch(() => undefined);
    console.log("done: survivors left the cluster gracefully");
  } finally {
    for (const node of nodes) if (node.process.exitCode === null && node.process.signalCode === null) node.process.kill("SIGKILL");
    rmSync(workDir, { recursive: true, force: true });
  }
}
