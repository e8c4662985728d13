// The local demo: supervision directives, tell and ask, death watch, PoisonPill and dead letters, then a quick
// throughput run. It exits by itself.
import { create } from "@bufbuild/protobuf";
import {
  ActorRestartedSchema,
  ActorSystem,
  type Context,
  DeadletterSchema,
  PoisonPillSchema,
  type ReceiveContext,
  silentLogger,
  TerminatedSchema,
} from "@tsakt/actor";
import { Account, CorruptLedger, InsufficientFunds } from "./account.js";

const log = (line: string) => console.log(line);

await using system = await ActorSystem.start({ name: "demo", logger: silentLogger });
system.eventStream.subscribe(ActorRestartedSchema, (e) => log(`  event: restarted ${e.address} (${e.reason})`));
system.eventStream.subscribe(DeadletterSchema, (d) => log(`  event: dead letter to ${d.receiver}: ${d.reason}`));

log("1. A bank whose accounts are supervised: overdrafts resume (state kept), a corrupt ledger restarts (state reset)");
const terminated: string[] = [];
const bank = await system.spawn("bank", () => ({
  preStart(ctx: Context) {
    for (const name of ["alice", "bob"])
      ctx.watch(
        ctx.spawn(name, () => new Account(), {
          supervisor: {
            rules: [
              [InsufficientFunds, "resume"],
              [CorruptLedger, "restart"],
            ],
            maxRestarts: 3,
            withinMs: 10_000,
          },
        }),
      );
  },
  receive(ctx: ReceiveContext) {
    if (ctx.is(TerminatedSchema)) terminated.push(ctx.message.address);
  },
}));

const alice = await system.actorOf("/user/bank/alice");
alice.tell({ type: "deposit", amount: 100 });
alice.tell({ type: "withdraw", amount: 500 });
log(`  alice after a refused overdraft: ${await alice.ask<number>({ type: "balance" })} (resumed, balance kept)`);
alice.tell({ type: "corrupt" });
log(`  alice after a corrupt ledger:    ${await alice.ask<number>({ type: "balance" })} (restarted from the factory)`);

log("2. Death watch and PoisonPill: the bank learns when bob stops; later mail to bob is a dead letter");
const bob = await system.actorOf("/user/bank/bob");
bob.tell({ type: "deposit", amount: 7 });
bob.tell(create(PoisonPillSchema));
bob.tell({ type: "deposit", amount: 1 });
while (terminated.length === 0) await new Promise((r) => setTimeout(r, 5));
log(`  bank saw Terminated for ${terminated[0]}`);

log("3. Ask with a timeout and fast failure for stopped actors");
await bob.ask({ type: "balance" }).catch((e: Error) => log(`  ask to stopped bob: ${e.name} (${(e as { code?: string }).code})`));

log("4. One million tells to one actor");
const n = 1_000_000;
let received = 0;
let done!: () => void;
const finished = new Promise<void>((r) => (done = r));
const counter = await system.spawnFunc("counter", (ctx) => {
  if (typeof ctx.message === "number" && ++received === n) done();
});
const started = performance.now();
for (let i = 0; i < n; i++) counter.tell(i);
await finished;
const ms = performance.now() - started;
log(`  ${n.toLocaleString("en")} messages in ${ms.toFixed(0)} ms = ${(((n / ms) * 1000) / 1e6).toFixed(1)}M msg/s`);

await system.stopActor(bank);
log(`done: ${system.actorCount} live actor (the counter), ${system.deadLetterCount} dead letters; the system stops on scope exit`);
