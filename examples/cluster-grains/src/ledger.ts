import { mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";

/**
 * Balances kept in one small file per account in a directory all nodes share, standing in for a database:
 * an account grain loads its balance on activation and writes every change through, so a grain re-activated
 * on another node after a crash continues from the last committed balance.
 */
export class Ledger {
  constructor(private readonly dir: string) {
    mkdirSync(dir, { recursive: true });
  }

  /** The committed balance of `account`, 0 when it has none yet. */
  balance(account: string): bigint {
    try {
      return BigInt(readFileSync(this.file(account), "utf8"));
    } catch {
      return 0n;
    }
  }

  /** Commits a new balance atomically (write then rename). */
  commit(account: string, balance: bigint): void {
    const target = this.file(account);
    writeFileSync(`${target}.tmp`, balance.toString());
    renameSync(`${target}.tmp`, target);
  }

  private file(account: string): string {
    return join(this.dir, `${encodeURIComponent(account)}.balance`);
  }
}
