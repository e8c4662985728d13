// Type-level fixture of the generated code (test/golden): every line under a `@ts-expect-error` must fail to compile,
// every other line must compile. types.test.ts checks both with the TypeScript compiler; `pnpm typecheck` checks it too.
import { create } from "@bufbuild/protobuf";
import type { ActorSystem, ReceiveContext } from "@tsakt/actor";
import type { GrainReceiveContext } from "@tsakt/grains";
import { Balance as BalanceService, Promise$ } from "../golden/fixture/clash/v1/clash_tsakt.js";
import {
  type AuditRequest,
  AuditRequestSchema,
  type DepositRequest,
  DepositRequestSchema,
  RecordReplySchema,
} from "../golden/fixture/v1/bank_pb.js";
import { AccountGrain, type AccountGrainHandlers, Ledger, type LedgerHandlers } from "../golden/fixture/v1/bank_tsakt.js";
import { type Balance, BalanceSchema } from "../golden/fixture/v1/money_pb.js";

declare const system: ActorSystem;

/** Requests: an init object or a message of the rpc's request type, nothing else. */
export async function requests(): Promise<void> {
  const account = AccountGrain.of(system, "ada");
  await account.deposit({ amount: { cents: 5n } });
  await account.deposit(create(DepositRequestSchema, { amount: { cents: 5n } }));
  await account.getBalance();
  // @ts-expect-error wrong request type: the request has no field "amont"
  await account.deposit({ amont: { cents: 5n } });
  // @ts-expect-error wrong request type: cents is an int64 (bigint), not a string
  await account.deposit({ amount: { cents: "5" } });
  // @ts-expect-error wrong request type: another rpc's request message
  await account.deposit(create(AuditRequestSchema, { reason: "x" }));
  // @ts-expect-error wrong request type: a request with fields cannot be left out
  await account.deposit();
  // @ts-expect-error wrong request type: a tell's request is checked as well
  account.audit({ reason: 42 });
}

/** Identities: a grain id is a string, after the system. */
export function identities(): void {
  AccountGrain.of(system, "ada");
  // @ts-expect-error wrong identity type: a number
  AccountGrain.of(system, 42);
  // @ts-expect-error wrong identity type: an identity object instead of the id
  AccountGrain.of(system, { kind: "account", id: "ada" });
  // @ts-expect-error wrong identity type: the system is missing
  AccountGrain.of("ada");
}

/** Replies: the client's promise is of the rpc's reply type; a tell returns no promise. */
export async function replies(): Promise<void> {
  const balance: Balance = await AccountGrain.of(system, "ada").deposit({});
  const accepted: boolean = AccountGrain.of(system, "ada").audit({ reason: "check" });
  // @ts-expect-error wrong reply type: deposit answers a Balance, not a string
  const text: string = await AccountGrain.of(system, "ada").deposit({});
  // @ts-expect-error wrong reply type: Record answers a RecordReply, not a Balance
  const other: Balance = await Ledger.of(system, "main").record({});
  // @ts-expect-error wrong reply type: a tell returns at once, with no reply to await
  const told: Promise<unknown> = AccountGrain.of(system, "ada").audit({ reason: "check" });
  void [balance, accepted, text, other, told];
}

/** A complete grain implementation compiles; the grain's context is a GrainReceiveContext. */
class Account implements AccountGrainHandlers {
  private cents = 0n;
  deposit(request: DepositRequest, ctx: GrainReceiveContext) {
    ctx.logger.debug({ account: ctx.identity.id }, "deposit");
    this.cents += request.amount?.cents ?? 0n;
    return { amount: { cents: this.cents } };
  }
  async getBalance() {
    return create(BalanceSchema, { amount: { cents: this.cents } });
  }
  audit(_request: AuditRequest) {}
  async close() {}
}

/** Handler replies are checked against the rpc's reply type. */
export const handlers: Array<AccountGrainHandlers | LedgerHandlers<ReceiveContext>> = [
  new Account(),
  {
    // @ts-expect-error wrong reply type: deposit must answer a Balance, not a string
    deposit: () => "five",
    getBalance: () => ({}),
    audit: () => {},
    close: () => {},
  },
  {
    // @ts-expect-error wrong reply type: deposit must answer a Balance, not another message
    deposit: () => create(RecordReplySchema, { sequence: 1n }),
    getBalance: async () => ({ amount: { cents: 1n } }),
    audit: () => {},
    close: () => {},
  },
  {
    // @ts-expect-error wrong reply type: a promise of the wrong message is wrong too
    record: async () => create(BalanceSchema),
    forget: () => {},
  },
];

// @ts-expect-error a handler for every rpc: getBalance, audit and close are missing
export const incomplete: AccountGrainHandlers = { deposit: () => ({}) };

/** Registration: grain handlers per identity, actor handlers with a ReceiveContext. */
export const kinds = {
  [AccountGrain.kind]: AccountGrain.grain((identity) => {
    void identity.id;
    return new Account();
  }),
  // @ts-expect-error the factory must make handlers of this service
  ledger: Ledger.grain(() => new Account()),
};
export const actor = Ledger.actor(() => ({ record: (_request, ctx) => ({ sequence: BigInt(ctx.self.name.length) }), forget: () => {} }));

/** Clashing names: the service Promise is Promise$; its rpc Then is then$, so a client is no thenable. */
export async function clashes(): Promise<void> {
  const client = await Promise.resolve(Promise$.of(system, "p"));
  client.then$();
  const balance: Balance = await BalanceService.of(system, "b").get();
  // @ts-expect-error the rpc Then is generated as then$
  client.then();
  void balance;
}
