import { execFile } from "node:child_process";
import { resolve } from "node:path";
import { promisify } from "node:util";
import { runCli } from "@tsakt/cli";
import { startCluster, stopAll, type TestNode } from "@tsakt/test-cluster";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const run = promisify(execFile);
const bin = resolve(import.meta.dirname, "../dist/main.js");
const token = "cli-test-token-0123456789";

let nodes: TestNode[] = [];

beforeAll(async () => {
  nodes = await startCluster({ fast: true, management: { token } });
}, 60_000);

afterAll(async () => {
  await stopAll(nodes);
});

/** Runs the built `tsakt` command as a user would; resolves with its output and exit code. */
async function tsakt(...args: string[]): Promise<{ stdout: string; stderr: string; code: number }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [bin, ...args], {
      timeout: 20_000,
      env: { ...process.env, TSAKT_TOKEN: token },
    });
    return { stdout, stderr, code: 0 };
  } catch (error) {
    const e = error as { stdout: string; stderr: string; code: number };
    return { stdout: e.stdout, stderr: e.stderr, code: e.code };
  }
}

describe("the tsakt command against a live 3-node cluster", () => {
  it("prints status and members as tables and as --json", async () => {
    const [a] = nodes as [TestNode];
    const leader = await a.request<string>("leader");
    // The built command as a user runs it (two process starts), then the same command in-process for the other forms.
    const status = await tsakt("status", "--url", a.url);
    expect(status.code).toBe(0);
    expect(status.stdout).toMatch(/^FIELD\s+VALUE$/m);
    expect(status.stdout).toMatch(new RegExp(`^node\\s+${a.name.replaceAll(".", "\\.")} \\(tsakt://test-cluster@`, "m"));
    expect(status.stdout).toMatch(/^ready\s+yes$/m);
    expect(status.stdout).toContain(`3 members, leader ${leader}, 0 unreachable`);
    expect(status.stdout).toMatch(/^registry\s+271 partitions/m);

    const membersJson = JSON.parse((await tsakt("members", "--url", a.url, "--json")).stdout);
    expect(membersJson.members.map((m: { name: string }) => m.name).sort()).toEqual(nodes.map((n) => n.name).sort());
    expect(membersJson.leader).toBe(leader);

    const out: string[] = [];
    const io = { out: (t: string) => out.push(t), err: (t: string) => out.push(t) };
    const env = { TSAKT_TOKEN: token, TSAKT_URL: a.url };
    expect(await runCli(["status", "--json"], io, env)).toBe(0);
    expect(JSON.parse(out.at(-1) as string)).toMatchObject({ ready: true, node: { node: a.name }, cluster: { members: 3, leader } });

    expect(await runCli(["members"], io, env)).toBe(0);
    const lines = (out.at(-1) as string).split("\n");
    expect(lines[0]).toMatch(/^MEMBER\s+STATUS\s+ROLE\s+DC\s+ROLES\s+UP\s+SELF$/);
    const rows = lines.slice(1, 4);
    expect(rows.map((r) => r.split(/\s+/)[0]).sort()).toEqual(nodes.map((n) => n.name).sort());
    for (const row of rows) expect(row).toMatch(/\salive\s/);
    expect(rows.find((r) => r.startsWith(leader))).toMatch(/\sleader\s/);
    expect(rows.find((r) => r.startsWith(a.name))).toMatch(/\*$/);
    expect(lines[4]).toBe(`3 members, leader ${leader}`);
  }, 60_000);

  it("lists another member's actors, asks an actor by name, and reports refusals with exit codes", async () => {
    const [a, b] = nodes as [TestNode, TestNode];
    // In-process from here: the same command, without a process start per call.
    const out: string[] = [];
    const err: string[] = [];
    const io = { out: (t: string) => out.push(t), err: (t: string) => err.push(t) };
    const env = { TSAKT_TOKEN: token, TSAKT_URL: a.url };

    expect(await runCli(["actors", b.name, "--under", "/system"], io, env)).toBe(0);
    expect(out.at(-1)).toMatch(/^ACTOR\s+STATE\s+MAILBOX\s+PROCESSED\s+CHILDREN$/m);
    expect(out.at(-1)).toMatch(/^client-gateway\s+running\s/m);
    expect(out.at(-1)).toContain(`${b.name}: actors 1–`);

    await b.request("spawnOn", { actor: "greeter" });
    expect(await runCli(["ask", "greeter", '"hello"', "--type", "google.protobuf.StringValue"], io, env)).toBe(0);
    expect(out.at(-1)).toMatch(/^google\.protobuf\.StringValue "127\.0\.0\.1:\d+ echo hello"$/);

    expect(await runCli(["down", "no-such-member"], io, env)).toBe(1);
    expect(await runCli(["down", b.name], io, env)).toBe(0);
    expect(await runCli(["status"], io, { TSAKT_URL: a.url })).toBe(1);
    expect(err.at(-1)).toMatch(/token/);
    expect(await runCli(["status", "--url", "http://127.0.0.1:1"], io, env)).toBe(1);
    expect(err.at(-1)).toMatch(/no management endpoint answered/);
    expect(await runCli(["frobnicate"], io, env)).toBe(2);
    expect(err.at(-1)).toMatch(/unknown command "frobnicate"/);
    expect(await runCli(["members", "extra"], io, env)).toBe(2);
    expect(await runCli(["--bogus"], io, env)).toBe(2);
    expect(await runCli(["help"], io, env)).toBe(0);
    expect(out.at(-1)).toMatch(/^tsakt — /);
  }, 60_000);
});
