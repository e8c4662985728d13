import type { ReceiveContext } from "@tsakt/actor";
import type { RecordRequest } from "./gen/bank/v1/bank_pb.js";
import type { AuditLogHandlers } from "./gen/bank/v1/bank_tsakt.js";

/** The audit log actor of one node (an actor, so its handlers get a ReceiveContext): counts what accounts did. */
export class Audit implements AuditLogHandlers<ReceiveContext> {
  private operations = 0;
  private readonly accounts = new Set<string>();

  constructor(private readonly node: string) {}

  record(request: RecordRequest): void {
    this.operations++;
    this.accounts.add(request.account);
  }

  summarize() {
    return { node: this.node, operations: this.operations, accounts: this.accounts.size };
  }
}
