// One bank node, run as a child process by main.ts: remoting + cluster (static discovery) + account grains whose
// balances live in an LMDB store that the three node processes share. It takes commands from its parent over the IPC
// channel and answers each with the same id.
import { create } from "@bufbuild/protobuf";
import { EmptySchema, file_google_protobuf_empty, file_google_protobuf_wrappers, Int64ValueSchema } from "@bufbuild/protobuf/wkt";
import { ActorSystem, type Plugin, silentLogger } from "@tsakt/actor";
import { cluster, clusterOf } from "@tsakt/cluster";
import { StaticDiscoveryProvider } from "@tsakt/discovery-static";
import { grainOf } from "@tsakt/grains";
import { clusterGrains } from "@tsakt/grains/cluster";
import { openLmdbStores } from "@tsakt/persistence-lmdb";
import { remoting } from "@tsakt/remote";
import { accountKind, activations } from "./account.js";

/** What main.ts passes in argv[2]. */
export interface NodeArgs {
  port: number;
  peers: string[];
  /** The LMDB directory every node opens: the grains' state store. */
  dataDir: string;
  /** Run the management endpoint (a free port) with its cluster section, for the live dashboard. */
  dashboard?: boolean;
}

/** A command from the parent. */
export type Command =
  | { id: number; op: "members" }
  | { id: number; op: "deposit"; accounts: string[]; rounds: number; amount: number }
  | { id: number; op: "balances"; accounts: string[] }
  | { id: number; op: "traffic"; accounts: string[]; amount: number }
  | { id: number; op: "stats" }
  | { id: number; op: "stop" };

const args = JSON.parse(process.argv[2] ?? "{}") as NodeArgs;
// Every node process opens the same directory: LMDB serializes writes across processes and each save checks the
// version, so a grain re-activated on another node continues from the last acknowledged balance.
const stores = openLmdbStores({ path: args.dataDir });
const wire = [file_google_protobuf_wrappers, file_google_protobuf_empty];
const plugins: Plugin[] = [
  remoting({ host: "127.0.0.1", port: args.port, types: wire }),
  cluster({ discovery: new StaticDiscoveryProvider({ peers: args.peers }) }),
  clusterGrains({ kinds: { account: accountKind }, placement: "round-robin", stateStore: stores.state }),
];
// Loaded only for the dashboard, so the plain demo starts exactly as before.
const managementModule = args.dashboard === true ? await import("@tsakt/management") : undefined;
if (managementModule !== undefined)
  plugins.push(managementModule.management({ port: 0 }), (await import("@tsakt/management/cluster")).clusterManagement());
const system = await ActorSystem.start({ name: "bank", logger: silentLogger, plugins });

const account = (id: string) => grainOf(system, "account", id);

async function handle(command: Command): Promise<Record<string, unknown>> {
  switch (command.op) {
    case "members":
      return { members: clusterOf(system).members().length };
    case "deposit": {
      const started = performance.now();
      const deposit = create(Int64ValueSchema, { value: BigInt(command.amount) });
      for (let round = 0; round < command.rounds; round++)
        await Promise.all(command.accounts.map((id) => account(id).ask(deposit, { timeoutMs: 10_000 })));
      return { ops: command.rounds * command.accounts.length, ms: performance.now() - started };
    }
    case "balances": {
      const query = create(EmptySchema);
      const results = await Promise.allSettled(
        command.accounts.map((id) => account(id).ask<{ value: bigint }>(query, { timeoutMs: 3000 })),
      );
      return { balances: results.map((r) => (r.status === "fulfilled" ? r.value.value.toString() : null)) };
    }
    case "traffic": {
      // Deposits that may fail while a member is down: the dashboard shows the dip and the recovery.
      const deposit = create(Int64ValueSchema, { value: BigInt(command.amount) });
      const results = await Promise.allSettled(command.accounts.map((id) => account(id).ask(deposit, { timeoutMs: 3000 })));
      return { ok: results.filter((r) => r.status === "fulfilled").length, failed: results.filter((r) => r.status === "rejected").length };
    }
    case "stats":
      return { total: activations.total, live: activations.live };
    case "stop":
      await system.stop();
      await stores.close();
      setImmediate(() => process.exit(0));
      return { stopped: true };
  }
}

process.on("message", (command: Command) => {
  handle(command).then(
    (result) => process.send?.({ id: command.id, ...result }),
    (error: unknown) =>
      process.send?.({ id: command.id, error: error instanceof Error ? `${error.name}: ${error.message}` : String(error) }),
  );
});
// With the dashboard the demo runs until Ctrl-C, which reaches every process of the terminal: the parent stops the
// nodes in order, so they ignore the signal themselves.
if (args.dashboard === true) process.on("SIGINT", () => {});
// The parent going away (even by SIGKILL) closes the channel: this node must not outlive it.
process.on("disconnect", () => process.exit(0));
process.send?.({ id: 0, started: system.addressPrefix, url: managementModule?.managementOf(system).url ?? "" });
