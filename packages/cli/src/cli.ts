import { parseArgs } from "node:util";
import { isTsaktError, TsaktError } from "@tsakt/actor";
import type { ActorPageAnswer, MembersAnswer, StatusAnswer } from "./answers.js";
import { ManagementClient } from "./management-client.js";
import { age, table } from "./table.js";

/** Where the command writes; process.stdout/stderr by default, strings in tests. */
export interface CliOutput {
  out(text: string): void;
  err(text: string): void;
}

/** The command line was wrong: an unknown command or option, a missing argument. */
export class CliUsageError extends TsaktError {
  constructor(message: string) {
    super("CliUsage", `${message}; run \`tsakt help\` for the commands`);
  }
}

/** The help text. */
export const usage = `tsakt — look at and operate a TsAkt cluster through a node's management endpoint

Usage: tsakt <command> [arguments] [--url URL] [--token TOKEN] [--json]

Commands:
  status                 this node, its readiness, the cluster in brief
  members                the cluster's members: status, roles, datacenter, leader
  actors [node]          a page of a node's actors (this node without one)
                         --under PATH  --limit N (default 100)  --offset N
  leave <member>         ask a member to leave the cluster gracefully
  down <member>          declare a member down (needs the cluster's manual downing)
  ask <name> <json>      ask an actor; <json> is protobuf JSON with "@type", or give --type
                         --type NAME  --timeout MS (default 5000)
  help                   this text

Options:
  --url URL      the management endpoint (default: $TSAKT_URL or http://127.0.0.1:8558)
  --token TOKEN  its bearer token (default: $TSAKT_TOKEN)
  --json         print the endpoint's JSON answer instead of a table

Exit codes: 0 done, 1 the endpoint refused or failed, 2 a usage error, 3 the node is not ready (status).`;

const options = {
  url: { type: "string" },
  token: { type: "string" },
  json: { type: "boolean", default: false },
  under: { type: "string" },
  limit: { type: "string" },
  offset: { type: "string" },
  type: { type: "string" },
  timeout: { type: "string" },
  help: { type: "boolean", short: "h", default: false },
} as const;

/** Runs the tsakt command with `argv` (without node and the script); resolves with the exit code. */
export async function runCli(
  argv: readonly string[],
  output: CliOutput,
  env: Readonly<Record<string, string | undefined>> = process.env,
): Promise<number> {
  try {
    let parsed: ReturnType<typeof parseArgs<{ options: typeof options; allowPositionals: true }>>;
    try {
      parsed = parseArgs({ args: [...argv], options, allowPositionals: true, strict: true });
    } catch (error) {
      throw new CliUsageError(error instanceof Error ? error.message : String(error));
    }
    const { values, positionals } = parsed;
    const [command = "help", ...args] = positionals;
    if (values.help || command === "help") {
      output.out(usage);
      return 0;
    }
    const token = values.token ?? env.TSAKT_TOKEN;
    const client = new ManagementClient({
      url: values.url ?? env.TSAKT_URL ?? "http://127.0.0.1:8558",
      ...(token === undefined ? {} : { token }),
    });
    const print = (json: unknown, text: () => string) => output.out(values.json ? JSON.stringify(json, null, 2) : text());
    switch (command) {
      case "status": {
        expectArgs(command, args, 0);
        const status = await client.status();
        print(status, () => formatStatus(status));
        return status.ready ? 0 : 3;
      }
      case "members": {
        expectArgs(command, args, 0);
        const members = await client.members();
        print(members, () => formatMembers(members));
        return 0;
      }
      case "actors": {
        if (args.length > 1) throw new CliUsageError("actors takes at most one node name");
        const page = await client.actors(args[0], {
          ...(values.under === undefined ? {} : { under: values.under }),
          ...(values.limit === undefined ? {} : { limit: whole("--limit", values.limit) }),
          ...(values.offset === undefined ? {} : { offset: whole("--offset", values.offset) }),
        });
        print(page, () => formatActors(page));
        return 0;
      }
      case "leave":
      case "down": {
        expectArgs(command, args, 1);
        const answer = await client.operation(args[0] as string, command);
        print(answer, () => `${command} of ${answer.member} accepted`);
        return 0;
      }
      case "ask": {
        expectArgs(command, args, 2);
        let message: unknown;
        try {
          message = JSON.parse(args[1] as string);
        } catch {
          throw new CliUsageError(`ask: ${JSON.stringify(args[1])} is not JSON`);
        }
        const answer = await client.ask(args[0] as string, message, {
          ...(values.type === undefined ? {} : { type: values.type }),
          ...(values.timeout === undefined ? {} : { timeoutMs: whole("--timeout", values.timeout) }),
        });
        print(answer, () => `${answer.type} ${JSON.stringify(answer.message)}`);
        return 0;
      }
      default:
        throw new CliUsageError(`unknown command ${JSON.stringify(command)}`);
    }
  } catch (error) {
    output.err(`tsakt: ${error instanceof Error ? error.message : String(error)}`);
    return error instanceof CliUsageError ? 2 : isTsaktError(error) ? 1 : 1;
  }
}

function expectArgs(command: string, args: readonly string[], count: number): void {
  if (args.length !== count)
    throw new CliUsageError(
      `${command} takes ${count === 0 ? "no arguments" : `${count} argument${count === 1 ? "" : "s"}`}, got ${args.length}`,
    );
}

function whole(option: string, value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new CliUsageError(`${option} must be a whole number, got ${JSON.stringify(value)}`);
  return n;
}

/** The status as lines of "label  value". */
export function formatStatus(s: StatusAnswer): string {
  const n = s.node;
  const rows: string[][] = [
    ["node", `${n.node} (${n.address})`],
    ["ready", s.ready ? "yes" : `no — ${s.reasons.join("; ")}`],
    ["uptime", `${n.uptimeSec}s`],
  ];
  if (s.cluster !== undefined) {
    const c = s.cluster;
    rows.push(["cluster", `${c.members} members, leader ${c.leader ?? "none"}, ${c.unreachable} unreachable`]);
    if (c.registry !== null)
      rows.push([
        "registry",
        `${c.registry.partitions} partitions, ${c.registry.primaryPartitions} primary here, ${c.registry.localEntries} entries held`,
      ]);
  }
  rows.push(["actors", `${n.actors} live, ${n.processed} messages processed, mailbox depth ${n.mailboxDepth}`]);
  rows.push(["failures", `${n.restarts} restarts, ${n.deadLetters} dead letters`]);
  if (n.grains.enabled)
    rows.push([
      "grains",
      `${n.grains.active} active${n.grains.kinds.length > 0 ? ` (${n.grains.kinds.map((k) => `${k.kind} ${k.active}`).join(", ")})` : ""}`,
    ]);
  return table(["FIELD", "VALUE"], rows);
}

/** The members as a table, oldest first. */
export function formatMembers(m: MembersAnswer, now = Date.now()): string {
  const rows = m.members.map((member) => [
    member.name,
    member.status,
    member.leader ? "leader" : "",
    member.datacenter,
    member.roles.join(",") || "-",
    age(member.startedAtMs, now),
    member.self ? "*" : "",
  ]);
  return `${table(["MEMBER", "STATUS", "ROLE", "DC", "ROLES", "UP", "SELF"], rows)}\n${m.members.length} members, leader ${m.leader ?? "none"}`;
}

/** A page of actors as an indented table. */
export function formatActors(p: ActorPageAnswer): string {
  const rows = p.actors.map((a) => [
    `${"  ".repeat(Math.max(0, a.depth - 1))}${a.path.slice(a.path.lastIndexOf("/") + 1)}`,
    a.state,
    String(a.mailbox),
    String(a.processed),
    String(a.children),
  ]);
  const shown = p.actors.length === 0 ? "none" : `${p.offset + 1}–${p.offset + p.actors.length}`;
  return `${table(["ACTOR", "STATE", "MAILBOX", "PROCESSED", "CHILDREN"], rows)}\n${p.node}: actors ${shown} of ${p.total}${p.under === "" ? "" : ` under ${p.under}`}`;
}
