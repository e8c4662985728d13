// Bank accounts on generated contracts, across two node processes on loopback: node-2 calls account grains through
// the typed AccountGrain client (round-robin placement puts half of them on node-1), a withdrawal's error crosses
// back, a tell annotates an account, and node-2 asks node-1's AuditLog actor by its cluster-wide name. Prints a report, exits 0.
import { type ChildProcess, fork } from "node:child_process";
import { createServer, type Server } from "node:net";
import type { Command, NodeArgs } from "./node.js";

type Reply = Record<string, unknown> & { id: number; error?: string };
type Request = Command extends infer C ? (C extends { id: number } ? Omit<C, "id"> : never) : never;
interface BalanceRow {
  account: string;
  cents: string;
  node: string;
  notes: string[];
}

const ACCOUNTS = Array.from({ length: 20 }, (_, i) => `acct-${String(i).padStart(2, "0")}`);
const ROUNDS = 3;
const CENTS = 100;

/** A bank node process and a way to send it commands. */
class Node {
  private nextId = 1;
  private readonly waiting = new Map<number, (reply: Reply) => void>();
  readonly started: Promise<Reply>;

  constructor(
    readonly label: string,
    readonly process: ChildProcess,
  ) {
    this.started = new Promise((resolve, reject) => {
      process.once("exit", (code) => reject(new Error(`${label} exited with ${code} before it started`)));
      this.waiting.set(0, resolve);
    });
    process.on("message", (reply: Reply) => {
      const done = this.waiting.get(reply.id);
      this.waiting.delete(reply.id);
      done?.(reply);
    });
  }

  send(request: Request): Promise<Reply> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.waiting.set(id, (reply) => (reply.error === undefined ? resolve(reply) : reject(new Error(`${this.label}: ${reply.error}`))));
      this.process.send({ id, ...request });
    });
  }
}

/** `count` distinct free ports on 127.0.0.1, all held open at once so the kernel cannot hand one out twice. */
async function freePorts(count: number): Promise<number[]> {
  const servers = await Promise.all(
    Array.from(
      { length: count },
      () =>
        new Promise<Server>((resolve, reject) => {
          const server = createServer();
          server.once("error", reject);
          server.listen(0, "127.0.0.1", () => resolve(server));
        }),
    ),
  );
  const ports = servers.map((server) => (server.address() as { port: number }).port);
  await Promise.all(servers.map((server) => new Promise<void>((resolve) => server.close(() => resolve()))));
  return ports;
}

async function until<T>(what: string, timeoutMs: number, check: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const nodes: Node[] = [];
try {
  const ports = await freePorts(2);
  const peers = ports.map((p) => `127.0.0.1:${p}`);
  for (const [i, port] of ports.entries()) {
    const args: NodeArgs = { port, peers };
    const child = fork(new URL("./node.js", import.meta.url), [JSON.stringify(args)], { stdio: ["ignore", "inherit", "inherit", "ipc"] });
    nodes.push(new Node(`node-${i + 1}`, child));
  }
  const driver = nodes[1] as Node;
  const started = await Promise.all(nodes.map((n) => n.started));
  await until("2 members on both nodes", 20_000, async () => {
    const counts = await Promise.all(nodes.map((n) => n.send({ op: "members" })));
    return counts.every((c) => c.members === 2) ? true : undefined;
  });
  console.log(`nodes: ${nodes.map((n, i) => `${n.label} ${peers[i]} (pid ${n.process.pid})`).join(", ")}`);

  await driver.send({ op: "deposit", accounts: ACCOUNTS, rounds: ROUNDS, cents: CENTS });
  const { balances } = (await driver.send({ op: "balances", accounts: ACCOUNTS })) as unknown as { balances: BalanceRow[] };
  const expected = String(ROUNDS * CENTS);
  const correct = balances.filter((b) => b.cents === expected).length;
  const onFirst = balances.filter((b) => b.node === peers[0]);
  const onDriver = balances.filter((b) => b.node === peers[1]);
  console.log(
    `deposits: ${ROUNDS * ACCOUNTS.length} typed AccountGrain.deposit calls from node-2; grains answered from node-1: ${onFirst.length}, node-2: ${onDriver.length}`,
  );
  console.log(`balances: ${correct}/${ACCOUNTS.length} correct (${expected} cents each)`);

  const remote = onFirst[0];
  if (remote === undefined) throw new Error("round-robin placement put no account on node-1");
  const refused = await driver.send({ op: "withdraw", account: remote.account, cents: 1_000_000 });
  console.log(`withdraw across processes: ${remote.account} on node-1 refused: ${String(refused.refused)}`);

  const told = await driver.send({ op: "annotate", account: remote.account, note: "checked" });
  const notes = await until("the annotation to arrive", 5000, async () => {
    const { balances: rows } = (await driver.send({ op: "balances", accounts: [remote.account] })) as unknown as { balances: BalanceRow[] };
    return rows[0]?.notes.includes("checked") ? rows[0].notes : undefined;
  });
  console.log(`annotate (a tell, accepted: ${String(told.accepted)}): ${remote.account} notes ${JSON.stringify(notes)}`);

  const audit = await driver.send({ op: "audit", name: String(started[0]?.audit) });
  console.log(
    `audit log of node-1 (actor "${String(started[0]?.audit)}"), asked by name from node-2: ${String(audit.operations)} operations on ${String(audit.accounts)} accounts (node ${String(audit.node)})`,
  );
  for (const node of nodes) await node.send({ op: "stop" });
  console.log("done: both nodes stopped");
  const auditMatches = audit.operations === onFirst.length * ROUNDS && audit.accounts === onFirst.length;
  if (correct !== ACCOUNTS.length || onFirst.length === 0 || onDriver.length === 0 || !auditMatches) process.exitCode = 1;
} finally {
  for (const node of nodes) if (node.process.exitCode === null && node.process.signalCode === null) node.process.kill("SIGKILL");
}
