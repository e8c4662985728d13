// What the cluster benches share: free ports, node processes (test/fixtures/cluster-node.mjs) driven over IPC, and a
// polling wait. Run `npx tsc -b` at the repo root first: the nodes run the built packages.
import { fork } from "node:child_process";
import { existsSync } from "node:fs";
import { createServer } from "node:net";
import { fileURLToPath } from "node:url";

const fixture = fileURLToPath(new URL("../test/fixtures/cluster-node.mjs", import.meta.url));
const loader = fileURLToPath(new URL("../test/fixtures/register-dist.mjs", import.meta.url));
// With the workspace links in place (pnpm install), the nodes resolve @tsakt/* to the built packages by themselves:
// the module hooks of the loader run on a separate thread for every import and double a node's start-up CPU, which
// many nodes starting at once on two cores pay in wall time. A deployment has no such hooks.
const linked = existsSync(fileURLToPath(new URL("../node_modules/@tsakt/remote/package.json", import.meta.url)));

/** `count` distinct free loopback ports: every listener stays open until all are known, so none is handed out twice. */
export async function freePorts(count) {
  const servers = await Promise.all(
    Array.from(
      { length: count },
      () =>
        new Promise((resolve, reject) => {
          const server = createServer();
          server.once("error", reject);
          server.listen(0, "127.0.0.1", () => resolve(server));
        }),
    ),
  );
  const ports = servers.map((server) => server.address().port);
  await Promise.all(servers.map((server) => new Promise((resolve) => server.close(() => resolve()))));
  return ports;
}

/**
 * Starts one node process on `port` knowing `peers`; returns a handle with name, pid, events, request(op, args),
 * exited() and kill(). `exposeGc` lets the node collect garbage before it reports memory. Default: false.
 */
export function startNode(port, peers, { exposeGc = false } = {}) {
  const child = fork(fixture, [], {
    execArgv: [...(exposeGc ? ["--expose-gc"] : []), ...(linked ? [] : ["--import", loader])],
    // TSAKT_BENCH_LOG_LEVEL (default "error") shows the nodes' own logs, e.g. "warn" to see refused connections.
    // TSAKT_BENCH_CLUSTER (JSON, default none): further cluster options for every node, e.g. a longer stableAfterMs.
    env: {
      ...process.env,
      TSAKT_CLUSTER_NODE: JSON.stringify({
        port,
        peers,
        logLevel: process.env.TSAKT_BENCH_LOG_LEVEL ?? "error",
        cluster: JSON.parse(process.env.TSAKT_BENCH_CLUSTER ?? "{}"),
      }),
    },
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  const pending = new Map();
  const events = [];
  let nextId = 1;
  child.on("message", (m) => {
    if (m.event !== undefined) return void events.push(m);
    const p = pending.get(m.id);
    pending.delete(m.id);
    if (m.ok) p?.resolve(m.value);
    else p?.reject(Object.assign(new Error(m.error.message), { code: m.error.code }));
  });
  const exited = new Promise((resolve) => child.once("exit", resolve));
  return {
    name: `127.0.0.1:${port}`,
    pid: child.pid,
    events,
    request(op, args = {}) {
      const id = nextId++;
      return new Promise((resolve, reject) => {
        pending.set(id, { resolve, reject });
        child.send({ id, op, ...args });
      });
    },
    exited: () => child.exitCode !== null || child.signalCode !== null,
    async kill() {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
      await exited;
    },
  };
}

/** Polls `check` every `intervalMs` for at most `ms`; returns the elapsed ms. */
export async function until(check, ms, what, intervalMs = 10) {
  const started = performance.now();
  for (;;) {
    if (await check().catch(() => false)) return performance.now() - started;
    if (performance.now() - started > ms) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}
