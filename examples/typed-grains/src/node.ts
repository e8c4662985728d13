// One bank node, run as a child process by main.ts: remoting + cluster (static discovery) + account grains and an
// audit actor, both on generated contracts. It takes commands from its parent over IPC and answers each by id.
import { ActorSystem, silentLogger } from "@tsakt/actor";
import { cluster, clusterOf } from "@tsakt/cluster";
import { StaticDiscoveryProvider } from "@tsakt/discovery-static";
import { clusterGrains } from "@tsakt/grains/cluster";
import { remoting } from "@tsakt/remote";
import { Account, activations } from "./account.js";
import { Audit } from "./audit.js";
import { AccountGrain, AuditLog, types } from "./gen/bank/v1/bank_tsakt.js";

/** What main.ts passes in argv[2]. */
export interface NodeArgs {
  port: number;
  peers: string[];
}

/** A command from the parent. */
export type Command =
  | { id: number; op: "members" }
  | { id: number; op: "deposit"; accounts: string[]; rounds: number; cents: number }
  | { id: number; op: "balances"; accounts: string[] }
  | { id: number; op: "withdraw"; account: string; cents: number }
  | { id: number; op: "annotate"; account: string; note: string }
  | { id: number; op: "audit"; name: string }
  | { id: number; op: "stop" };

const args = JSON.parse(process.argv[2] ?? "{}") as NodeArgs;
const node = `127.0.0.1:${args.port}`;
// Set right after start; grains activate only once main.ts sends traffic, after this node reported it started.
let audit: AuditLog | undefined;
const system = await ActorSystem.start({
  name: "bank",
  logger: silentLogger,
  plugins: [
    // The generated file's `types` is everything remoting needs for the contract's messages.
    remoting({ host: "127.0.0.1", port: args.port, types }),
    cluster({ discovery: new StaticDiscoveryProvider({ peers: args.peers }) }),
    clusterGrains({
      kinds: { [AccountGrain.kind]: AccountGrain.grain((identity) => new Account(identity.id, node, audit as AuditLog)) },
      placement: "round-robin",
    }),
  ],
});
// Actor names are unique cluster-wide, so each node's audit log is named after its port.
audit = AuditLog.at(
  await system.spawn(
    `audit-${args.port}`,
    AuditLog.actor(() => new Audit(node)),
  ),
);

async function handle(command: Command): Promise<Record<string, unknown>> {
  switch (command.op) {
    case "members":
      return { members: clusterOf(system).members().length };
    case "deposit": {
      for (let round = 0; round < command.rounds; round++)
        await Promise.all(command.accounts.map((id) => AccountGrain.of(system, id).deposit({ cents: BigInt(command.cents) })));
      return { deposits: command.rounds * command.accounts.length };
    }
    case "balances": {
      const balances = await Promise.all(command.accounts.map((id) => AccountGrain.of(system, id).getBalance()));
      return { balances: balances.map((b) => ({ account: b.account, cents: b.cents.toString(), node: b.node, notes: b.notes })) };
    }
    case "withdraw":
      try {
        const balance = await AccountGrain.of(system, command.account).withdraw({ cents: BigInt(command.cents) });
        return { cents: balance.cents.toString() };
      } catch (error) {
        return { refused: error instanceof Error ? error.message : String(error) };
      }
    case "annotate":
      return { accepted: AccountGrain.of(system, command.account).annotate({ note: command.note }) };
    case "audit": {
      const log = await AuditLog.named(system, command.name);
      const summary = await log.summarize({}, { timeoutMs: 5000 });
      return { node: summary.node, operations: summary.operations, accounts: summary.accounts, local: activations.live };
    }
    case "stop":
      await system.stop();
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
// The parent going away (even by SIGKILL) closes the channel: this node must not outlive it.
process.on("disconnect", () => process.exit(0));
process.send?.({ id: 0, started: system.addressPrefix, audit: audit.$pid.name });
