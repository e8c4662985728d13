import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { grainStateKey } from "@tsakt/grains";
import { PersistenceCodec } from "@tsakt/persistence";
import { LmdbStateStore } from "@tsakt/persistence-lmdb";
import { LineChild } from "@tsakt/test-servers";
import { eventually } from "@tsakt/testkit";
import { afterEach, describe, expect, it } from "vitest";

const fixture = fileURLToPath(new URL("./fixtures/bank-node.mjs", import.meta.url));
const loader = fileURLToPath(new URL("./fixtures/register-dist.mjs", import.meta.url));

interface Line {
  ready?: boolean;
  hostPort?: string;
  seq?: number;
  members?: number;
  ack?: string;
  lost?: string;
  account?: string;
  error?: string;
}

/** What every node reported about the deposits it sent. */
interface History {
  /** Deposit id → account, for every deposit acknowledged to its caller (the ask resolved). */
  acked: Map<string, string>;
  /** Deposits whose ask failed: the caller does not know whether they were applied. */
  lost: Map<string, string>;
  /** Accounts with an acknowledged deposit since `since` was set. */
  ackedSince: Set<string>;
  since: number;
}

/** A bank node process (fixtures/bank-node.mjs over the built dist), driven over stdin; it reports acks and losses to `history`. */
class BankNode extends LineChild<Line> {
  constructor(
    readonly name: string,
    peers: readonly string[],
    path: string,
    history: History,
  ) {
    super({
      fixture,
      loader,
      env: { BANK_NODE: JSON.stringify({ name, peers, path }) },
      label: `bank node ${name}`,
      onLine: (line: Line) => {
        if (line.ack !== undefined) {
          history.acked.set(line.ack, line.account as string);
          if (history.since > 0) history.ackedSince.add(line.account as string);
        } else if (line.lost !== undefined) history.lost.set(line.lost, line.account as string);
      },
    });
  }
}

describe("grain state on LMDB shared by 3 node processes", () => {
  const nodes: BankNode[] = [];
  const dirs: string[] = [];
  afterEach(async () => {
    await Promise.all(nodes.splice(0).map((n) => n.stop()));
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  it("keeps every acknowledged deposit exactly once through a SIGKILL of a node while all 3 deposit to 300 accounts", async () => {
    const dir = mkdtempSync(join(tmpdir(), "tsakt-grain-state-"));
    dirs.push(dir);
    const path = join(dir, "store");
    const history: History = { acked: new Map(), lost: new Map(), ackedSince: new Set(), since: 0 };
    const n1 = await new BankNode("n1", [], path, history).started();
    nodes.push(n1);
    const n2 = await new BankNode("n2", [n1.hostPort], path, history).started();
    nodes.push(n2);
    const n3 = await new BankNode("n3", [n1.hostPort, n2.hostPort], path, history).started();
    nodes.push(n3);
    await eventually(
      "3 members everywhere",
      async () => (await Promise.all(nodes.map((n) => n.command({ op: "members" })))).every((l) => l.members === 3),
      { timeoutMs: 15_000, intervalMs: 100 },
    );

    const accounts = Array.from({ length: 300 }, (_, i) => `acct-${String(i).padStart(3, "0")}`);
    for (const node of nodes) await node.command({ op: "drive", accounts });
    await eventually("1,500 acknowledged deposits", () => history.acked.size >= 1500, { timeoutMs: 30_000, intervalMs: 100 });

    n3.kill();
    history.since = Date.now();
    const ackedAtKill = history.acked.size;
    // Every account, wherever it lived, takes deposits again from the survivors.
    await eventually("every account to acknowledge a deposit after the kill", () => history.ackedSince.size === accounts.length, {
      timeoutMs: 40_000,
      intervalMs: 100,
    });
    await Promise.all([n1.command({ op: "halt" }), n2.command({ op: "halt" })]);
    await Promise.all(nodes.map((n) => n.stop()));

    // The store is the record: read every account's state as the nodes left it.
    const store = new LmdbStateStore({ path });
    const codec = new PersistenceCodec({ json: true });
    const applied = new Map<string, string>();
    let duplicates = 0;
    let wrongBalances = 0;
    try {
      for (const account of accounts) {
        const stored = await store.load(grainStateKey({ kind: "account", id: account }));
        const state = (stored === undefined ? { balance: 0, applied: [] } : codec.unpack(stored.bytes, account)) as {
          balance: number;
          applied: string[];
        };
        let sum = 0;
        for (const id of state.applied) {
          if (applied.has(id)) duplicates++;
          applied.set(id, account);
          sum += Number(id.split(":")[2]);
        }
        if (sum !== state.balance) wrongBalances++;
      }
    } finally {
      await store.close();
    }

    expect(duplicates).toBe(0);
    expect(wrongBalances).toBe(0);
    const missing = [...history.acked].filter(([id, account]) => applied.get(id) !== account);
    expect(missing).toEqual([]);
    // Nothing was applied that nobody sent: every stored deposit was acknowledged or its outcome was unknown.
    const unexplained = [...applied.keys()].filter((id) => !history.acked.has(id) && !history.lost.has(id) && !id.startsWith("n3:"));
    expect(unexplained).toEqual([]);
    expect(history.acked.size).toBeGreaterThan(ackedAtKill);
    console.log(
      `grain state through SIGKILL: ${history.acked.size} acknowledged deposits (${ackedAtKill} before the kill), all stored once; ` +
        `${history.lost.size} with unknown outcome, ${[...history.lost.keys()].filter((id) => applied.has(id)).length} of them stored`,
    );
  }, 120_000);
});
