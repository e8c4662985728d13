import { type ChildProcess, execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { findBinary, type NetnsHost, type NetnsLab, skipWithoutNetns, spawnTsChild, startNetnsLab } from "../src/index.js";

const peer = fileURLToPath(new URL("./fixtures/netns-peer.mjs", import.meta.url));
const abandon = fileURLToPath(new URL("./fixtures/abandon-netns.ts", import.meta.url));
const port = 7100;

function ip(...args: string[]): string {
  return execFileSync(findBinary("ip") as string, args, { encoding: "utf8" });
}

function namespaces(): string[] {
  return ip("netns", "list")
    .split("\n")
    .map((line) => line.trim().split(" ")[0] ?? "")
    .filter((name) => name !== "");
}

/** Output of a child's stdout, line by line, as it arrives. */
function firstLine(child: ChildProcess, timeoutMs = 10_000): Promise<string> {
  return new Promise((resolve, reject) => {
    let out = "";
    const timer = setTimeout(() => reject(new Error(`no line within ${timeoutMs} ms (got ${JSON.stringify(out)})`)), timeoutMs);
    child.stdout?.setEncoding("utf8");
    child.stdout?.on("data", (chunk: string) => {
      out += chunk;
      const newline = out.indexOf("\n");
      if (newline >= 0) {
        clearTimeout(timer);
        resolve(out.slice(0, newline));
      }
    });
    child.once("exit", () => {
      clearTimeout(timer);
      if (!out.includes("\n")) reject(new Error(`exited without a line (got ${JSON.stringify(out)})`));
    });
  });
}

describe.skipIf(skipWithoutNetns())("network-namespace labs", () => {
  let lab: NetnsLab;
  let hosts: NetnsHost[];
  let rootLinksBefore: string;

  beforeAll(async () => {
    rootLinksBefore = ip("-br", "link");
    lab = await startNetnsLab({ hosts: 3 });
    hosts = [...lab.hosts];
    for (const host of hosts) {
      const server = lab.spawn(host, process.execPath, [peer, "serve", host.ip, String(port)], { stdio: ["pipe", "pipe", "inherit"] });
      expect(await firstLine(server)).toBe("listening");
    }
  });

  afterAll(async () => {
    await lab?.destroy();
  });

  /** What a fresh TCP connection from `from` to `to` gets within `timeoutMs`. */
  async function connect(from: NetnsHost, to: NetnsHost, timeoutMs = 1500): Promise<string> {
    const client = lab.spawn(from, process.execPath, [peer, "connect", to.ip, String(port), String(timeoutMs)], {
      stdio: ["ignore", "pipe", "inherit"],
    });
    return firstLine(client, timeoutMs + 10_000);
  }

  it("gives each host one address of its own on a shared bridge and adds no link to the test's namespace", async () => {
    const [a, b, c] = hosts as [NetnsHost, NetnsHost, NetnsHost];
    expect(await connect(a, b)).toBe("connected");
    expect(await connect(c, a)).toBe("connected");
    for (const host of hosts) {
      const addresses = ip("-n", host.netns, "-4", "-br", "addr").trim().split("\n");
      expect(addresses.map((line) => line.split(/[\s@]+/)[0])).toEqual(["lo", "eth0"]);
      expect(addresses[1]).toContain(`${host.ip}/24`);
    }
    expect(ip("-br", "link")).toBe(rootLinksBefore);
    expect(new Set(hosts.map((h) => h.ip)).size).toBe(3);
  });

  it("drops traffic across a cut silently (a connect times out, nothing is refused) and only between the cut pair", async () => {
    const [a, b, c] = hosts as [NetnsHost, NetnsHost, NetnsHost];
    await lab.cut(a, c);
    expect(lab.isCut(c, a)).toBe(true);
    expect(await connect(a, c)).toBe("timeout");
    expect(await connect(c, a)).toBe("timeout");
    // The asymmetric shape the cluster tests use: A and C both still reach B.
    expect(await connect(a, b)).toBe("connected");
    expect(await connect(c, b)).toBe("connected");
    await lab.heal(a, c);
    expect(lab.isCut(a, c)).toBe(false);
    expect(await connect(a, c, 3000)).toBe("connected");
  });

  it("partitions sides by cutting every pair across them, and heals them all", async () => {
    const [a, b, c] = hosts as [NetnsHost, NetnsHost, NetnsHost];
    await lab.partition([a], [b, c]);
    expect([lab.isCut(a, b), lab.isCut(a, c), lab.isCut(b, c)]).toEqual([true, true, false]);
    expect(await connect(b, a)).toBe("timeout");
    expect(await connect(b, c)).toBe("connected");
    await lab.healAll();
    expect(await connect(b, a, 3000)).toBe("connected");
  });
});

describe.skipIf(skipWithoutNetns())("network-namespace cleanup", () => {
  it("deletes every namespace of a lab on destroy(), killing the processes it started there", async () => {
    const lab = await startNetnsLab({ hosts: 2 });
    const host = lab.hosts[0] as NetnsHost;
    const server = lab.spawn(host, process.execPath, [peer, "serve", host.ip, String(port)], { stdio: ["pipe", "pipe", "inherit"] });
    expect(await firstLine(server)).toBe("listening");
    expect(namespaces().filter((n) => n.startsWith(`${lab.id}-`))).toHaveLength(3);
    await lab.destroy();
    expect(server.signalCode).toBe("SIGKILL");
    expect(namespaces().filter((n) => n.startsWith(`${lab.id}-`))).toEqual([]);
    await lab.destroy();
  });

  it("deletes a crashed test process's namespaces as it exits", async () => {
    const child = spawnTsChild(abandon, ["crash"]);
    const id = (await child.waitForLine(/^lab /)).slice(4);
    expect(await child.exited()).not.toBe(0);
    expect(child.output()).toMatch(/simulated crash/);
    expect(namespaces().filter((n) => n.startsWith(`${id}-`))).toEqual([]);
  });

  it("deletes what a SIGKILLed test process left behind when the next lab starts", async () => {
    const child = spawnTsChild(abandon, ["wait"]);
    const id = (await child.waitForLine(/^lab /)).slice(4);
    await child.kill("SIGKILL");
    // No exit hook runs on SIGKILL: the namespaces outlive their creator ...
    expect(namespaces().filter((n) => n.startsWith(`${id}-`))).toHaveLength(3);
    // ... until any later lab starts.
    const lab = await startNetnsLab({ hosts: 1 });
    try {
      expect(namespaces().filter((n) => n.startsWith(`${id}-`))).toEqual([]);
    } finally {
      await lab.destroy();
    }
  });
});
