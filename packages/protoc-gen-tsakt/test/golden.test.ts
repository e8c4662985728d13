import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { protocGenTsakt } from "@tsakt/protoc-gen-tsakt";
import { describe, expect, it } from "vitest";
import { requestFor, root } from "./request.js";

const goldenDir = join(root, "packages/protoc-gen-tsakt/test/golden");

/** The committed *_tsakt.ts files under test/golden, by their path relative to it. */
function committed(): Map<string, string> {
  const files = new Map<string, string>();
  for (const entry of readdirSync(goldenDir, { recursive: true, encoding: "utf8" }))
    if (entry.endsWith("_tsakt.ts")) files.set(entry, readFileSync(join(goldenDir, entry), "utf8"));
  return files;
}

describe("protoc-gen-tsakt output", () => {
  const response = protocGenTsakt.run(requestFor("packages/protoc-gen-tsakt/test/proto"));
  const generated = new Map(response.file.map((f) => [f.name, f.content]));

  it("matches the committed golden files, one per .proto with services", () => {
    const golden = committed();
    expect([...generated.keys()].sort()).toEqual(["fixture/clash/v1/clash_tsakt.ts", "fixture/v1/bank_tsakt.ts"]);
    expect([...golden.keys()].sort()).toEqual([...generated.keys()].sort());
    for (const [name, content] of generated)
      expect(content, `${relative(root, join(goldenDir, name))} differs: run \`pnpm generate\``).toBe(golden.get(name));
  });

  it("generates a client, a handler interface and a dispatch table for each of several services", () => {
    const bank = generated.get("fixture/v1/bank_tsakt.ts") ?? "";
    for (const service of ["AccountGrain", "Ledger", "Idle"]) {
      expect(bank).toContain(`export class ${service} {`);
      expect(bank).toMatch(new RegExp(`export interface ${service}Handlers<`));
    }
    expect(bank).toContain('static readonly kind = "account";');
    expect(bank).toContain('static readonly kind = "fixture.v1.Ledger";');
    // Asks, tells (rpcs returning Empty), an ask returning Empty (tell: false), reentrant methods.
    expect(bank).toContain("deposit(request: MessageInitShape<typeof DepositRequestSchema>, options?: AskOptions): Promise<Balance> {");
    expect(bank).toContain("audit(request: MessageInitShape<typeof AuditRequestSchema>, sender?: PID): boolean {");
    expect(bank).toContain("close(request: MessageInitShape<typeof CloseRequestSchema> = {}, options?: AskOptions): Promise<Empty> {");
    const entry = (name: string, input: string, output: string, reentrant: boolean, request: string, handlers: string) =>
      [
        `      name: "${name}",`,
        `      input: ${input},`,
        `      output: ${output},`,
        `      reentrant: ${reentrant},`,
        `      invoke: (h: ${handlers}<unknown>, request: ${request}, ctx: unknown) => h.${name}(request, ctx),`,
      ].join("\n");
    expect(bank).toContain(
      entry("getBalance", "GetBalanceRequestSchema", "BalanceSchema", true, "GetBalanceRequest", "AccountGrainHandlers"),
    );
    expect(bank).toContain(entry("audit", "AuditRequestSchema", "undefined", false, "AuditRequest", "AccountGrainHandlers"));
    expect(bank).toContain(entry("record", "RecordRequestSchema", "RecordReplySchema", true, "RecordRequest", "LedgerHandlers"));
    // Everything remoting needs: this file, the file of Balance, and google/protobuf/empty.proto.
    expect(bank).toContain("export const types: ProtoTypes[] = [file_fixture_v1_bank, file_fixture_v1_money, file_google_protobuf_empty];");
    // The .proto comments and deprecation reach the JSDoc.
    expect(bank).toContain("   * Adds to the balance and answers the new one.\n");
    expect(bank).toMatch(/@generated from rpc fixture\.v1\.Ledger\.Forget\n\s+\* @deprecated/);
  });

  it("resolves name clashes: services, rpcs and messages named like each other, globals, hooks and reserved words", () => {
    const clash = generated.get("fixture/clash/v1/clash_tsakt.ts") ?? "";
    // A service named like the message it answers with: the message is imported under another name.
    expect(clash).toContain('import type { Balance as Balance$1 } from "../../v1/money_pb.js";');
    expect(clash).toContain("get(request: MessageInitShape<typeof GetRequestSchema> = {}, options?: AskOptions): Promise<Balance$1> {");
    // A service named like a global the code uses, and one named like a reserved word.
    expect(clash).toContain("export class Promise$ {");
    expect(clash).toContain("static async named(system: ActorSystem, name: string): Promise<Promise$> {");
    expect(clash).toContain("export class class$ {");
    // A service named like a parameter of the statics.
    expect(clash).toContain("export class system$ {");
    expect(clash).toContain("return new system$(grainOf(system, system$.kind, id));");
    expect(clash).toContain("export interface classHandlers<");
    // Rpcs named like `then` (a thenable), a constructor, a grain hook, a reserved word and the static `of`.
    for (const name of ["then$", "constructor$", "onActivate$", "delete", "of", "switch"]) {
      expect(clash).toContain(`      name: "${name}",\n`);
      expect(clash).toContain(`ctx: unknown) => h.${name}(request, ctx),`);
    }
    expect(clash).toContain("  of(request: MessageInitShape<typeof OfRequestSchema> = {}, options?: AskOptions): Promise<PID$1> {");
    // Services named like generated declarations: `types` and another service's handler interface.
    expect(clash).toContain("export const types: ProtoTypes[]");
    expect(clash).toContain("export class types$1 {");
    expect(clash).toContain("export class typesHandlers {");
    expect(clash).toContain("export interface typesHandlers$1<");
    expect(clash).toContain("export interface typesHandlersHandlers<");
    // Messages named like what the generated code imports.
    expect(clash).toContain("PID as PID$1");
    expect(clash).toContain("create as create$1");
    expect(clash).toContain("Contract as Contract$1");
  });

  it("writes nothing for a file without services", () => {
    const response = protocGenTsakt.run(requestFor("packages/protoc-gen-tsakt/test/proto", ["fixture/v1/money.proto"]));
    expect(response.file).toEqual([]);
  });
});
