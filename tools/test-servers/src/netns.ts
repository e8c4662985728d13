import { type ChildProcess, execFile, type SpawnOptions, spawn, spawnSync } from "node:child_process";
import { findBinary } from "./binary.js";
import { trackNetns, trackPid, untrackNetns, untrackPid } from "./cleanup.js";

/** Prefix of every network namespace this harness creates: "tsakt-<pid>-<n>-…", so leftovers name their creator. */
export const netnsPrefix = "tsakt-";

/** The link-layer address that cut pairs are told the other has: nobody owns it, so frames to it vanish. */
const nowhere = "02:00:00:00:00:99";

/** Network-namespace tests cannot run here (not root, no `ip`, or the kernel refuses namespaces, bridges or veths). */
export class NetnsUnavailableError extends Error {
  constructor(
    /** Why, as netnsUnavailableReason() says it. */
    readonly reason: string,
  ) {
    super(
      `network-namespace tests cannot run: ${reason}; they need root, iproute2 (Debian: apt-get install -y iproute2) and a kernel ` +
        "with network namespaces, bridges and veth pairs; run without CI=true to skip them",
    );
    this.name = "NetnsUnavailableError";
  }
}

let support: { reason: string | undefined } | undefined;

/**
 * Why network-namespace tests cannot run on this machine, or undefined when they can: checks for root and `ip`, then
 * creates and deletes a namespace holding a bridge and a veth pair. Checked once per process.
 */
export function netnsUnavailableReason(): string | undefined {
  support ??= { reason: probeSupport() };
  return support.reason;
}

/**
 * Decides whether a network-namespace test file may skip: false when namespaces work here; true when they do not
 * outside CI (the reason is printed); throws NetnsUnavailableError under CI=true, so CI can never pass by skipping.
 */
export function skipWithoutNetns(env: NodeJS.ProcessEnv = process.env): boolean {
  const reason = netnsUnavailableReason();
  if (reason === undefined) return false;
  if (env.CI === "true") throw new NetnsUnavailableError(reason);
  console.warn(`skipping network-namespace tests: ${reason}`);
  return true;
}

function probeSupport(): string | undefined {
  if (process.platform !== "linux") return `network namespaces are Linux-only (this is ${process.platform})`;
  if (process.getuid?.() !== 0) return `they need root (running as uid ${process.getuid?.()})`;
  const ip = findBinary("ip");
  if (ip === undefined) return "the ip binary (iproute2) is not on PATH (it lives in /usr/sbin on Debian)";
  const ns = `${netnsPrefix}${process.pid}-probe`;
  const run = (args: string[]): string | undefined => {
    const r = spawnSync(ip, args, { encoding: "utf8" });
    return r.status === 0 ? undefined : `\`ip ${args.join(" ")}\` failed: ${(r.stderr || r.error?.message || "").trim()}`;
  };
  const failed =
    run(["netns", "add", ns]) ??
    run(["-n", ns, "link", "add", "br0", "type", "bridge"]) ??
    run(["-n", ns, "link", "add", "v0", "type", "veth", "peer", "name", "v1"]) ??
    run(["-n", ns, "link", "set", "v0", "master", "br0"]);
  spawnSync(ip, ["netns", "del", ns], { stdio: "ignore" });
  return failed;
}

/** One machine of a lab: a network namespace with one interface, eth0, holding `ip`/24. */
export interface NetnsHost {
  /** Position in the lab, from 0. */
  readonly index: number;
  /** Name of its network namespace (for `ip netns exec`). */
  readonly netns: string;
  /** Its only address (besides 127.0.0.1 on its own lo), "10.77.<run>.<index + 1>". */
  readonly ip: string;
}

/** Options of startNetnsLab. */
export interface NetnsLabOptions {
  /** Number of hosts, 1 to 200. */
  hosts: number;
}

/**
 * Network namespaces for one test: hosts on one bridge that can be cut apart pair by pair, and processes started
 * inside them. Nothing is added to the test's own namespace: the bridge lives in a namespace of its own.
 */
export interface NetnsLab {
  /** This lab's name prefix, "tsakt-<pid>-<n>"; every namespace it made starts with it. */
  readonly id: string;
  /** The hosts, in order. */
  readonly hosts: readonly NetnsHost[];
  /** Drops every packet between `a` and `b`, both ways, silently (as a real partition: TCP retransmits, nothing is refused). */
  cut(a: NetnsHost, b: NetnsHost): Promise<void>;
  /** Lets `a` and `b` talk again. */
  heal(a: NetnsHost, b: NetnsHost): Promise<void>;
  /** Cuts every pair of hosts on different sides; pairs on one side are left as they are. */
  partition(...sides: readonly (readonly NetnsHost[])[]): Promise<void>;
  /** Heals every cut pair. */
  healAll(): Promise<void>;
  /** True while the pair is cut. */
  isCut(a: NetnsHost, b: NetnsHost): boolean;
  /** Starts `command` inside `host`'s namespace (`ip netns exec`, so the PID is the command's own); killed by destroy() and on exit. */
  spawn(host: NetnsHost, command: string, args: readonly string[], options?: SpawnOptions): ChildProcess;
  /** Kills what spawn() started and is still running, and deletes every namespace of the lab (its links go with them). Idempotent. */
  destroy(): Promise<void>;
}

let labs = 0;

/**
 * Creates a lab of `hosts` namespaces on a bridge. First removes namespaces that earlier runs of this harness left
 * behind (their creating process is gone). Everything it creates is deleted by destroy(), or when this process exits.
 */
export async function startNetnsLab(options: NetnsLabOptions): Promise<NetnsLab> {
  const count = options.hosts;
  if (!Number.isInteger(count) || count < 1 || count > 200)
    throw new RangeError(`hosts must be a whole number from 1 to 200, got ${count}`);
  const reason = netnsUnavailableReason();
  if (reason !== undefined) throw new NetnsUnavailableError(reason);
  const ip = findBinary("ip") as string;
  await removeLeftovers(ip);
  labs += 1;
  const id = `${netnsPrefix}${process.pid}-${labs}`;
  // Only for reading logs: every lab has its own bridge, so equal subnets of parallel labs never meet.
  const run = (((process.pid % 250) + labs) % 250) + 1;
  const bridge = `${id}-br`;
  const hosts = Array.from({ length: count }, (_, index) => ({ index, netns: `${id}-n${index + 1}`, ip: `10.77.${run}.${index + 1}` }));
  const lab = new Lab(ip, id, bridge, hosts);
  try {
    await lab.create();
  } catch (error) {
    await lab.destroy();
    throw error;
  }
  return lab;
}

class Lab implements NetnsLab {
  private readonly cuts = new Set<string>();
  private readonly children = new Set<ChildProcess>();
  private readonly created: string[] = [];
  private destroying: Promise<void> | undefined = undefined;

  constructor(
    private readonly ipBinary: string,
    readonly id: string,
    private readonly bridge: string,
    readonly hosts: readonly NetnsHost[],
  ) {}

  async create(): Promise<void> {
    await this.addNamespace(this.bridge);
    await this.ip("-n", this.bridge, "link", "add", "br0", "type", "bridge");
    await this.ip("-n", this.bridge, "link", "set", "br0", "up");
    for (const host of this.hosts) {
      const port = `v${host.index + 1}`;
      await this.addNamespace(host.netns);
      await this.ip("-n", this.bridge, "link", "add", port, "type", "veth", "peer", "name", "eth0", "netns", host.netns);
      await this.ip("-n", this.bridge, "link", "set", port, "master", "br0", "up");
      await this.ip("-n", host.netns, "addr", "add", `${host.ip}/24`, "dev", "eth0");
      await this.ip("-n", host.netns, "link", "set", "eth0", "up");
      await this.ip("-n", host.netns, "link", "set", "lo", "up");
    }
  }

  async cut(a: NetnsHost, b: NetnsHost): Promise<void> {
    this.check(a, b);
    this.cuts.add(pairKey(a, b));
    // A permanent neighbour entry pointing at an address nobody has: each side's frames to the other go nowhere.
    await Promise.all([
      this.ip("-n", a.netns, "neigh", "replace", b.ip, "lladdr", nowhere, "dev", "eth0", "nud", "permanent"),
      this.ip("-n", b.netns, "neigh", "replace", a.ip, "lladdr", nowhere, "dev", "eth0", "nud", "permanent"),
    ]);
  }

  async heal(a: NetnsHost, b: NetnsHost): Promise<void> {
    this.check(a, b);
    this.cuts.delete(pairKey(a, b));
    // Without the entry the neighbour is resolved (ARP) again on the next packet.
    await Promise.all([
      this.ip("-n", a.netns, "neigh", "del", b.ip, "dev", "eth0").catch(() => undefined),
      this.ip("-n", b.netns, "neigh", "del", a.ip, "dev", "eth0").catch(() => undefined),
    ]);
  }

  async partition(...sides: readonly (readonly NetnsHost[])[]): Promise<void> {
    const cuts: Promise<void>[] = [];
    for (let i = 0; i < sides.length; i++)
      for (let j = i + 1; j < sides.length; j++)
        for (const a of sides[i] ?? []) for (const b of sides[j] ?? []) if (a !== b) cuts.push(this.cut(a, b));
    await Promise.all(cuts);
  }

  async healAll(): Promise<void> {
    const pairs = [...this.cuts].map((key) => key.split(":").map((i) => this.hosts[Number(i)] as NetnsHost));
    await Promise.all(pairs.map(([a, b]) => this.heal(a as NetnsHost, b as NetnsHost)));
  }

  isCut(a: NetnsHost, b: NetnsHost): boolean {
    return this.cuts.has(pairKey(a, b));
  }

  spawn(host: NetnsHost, command: string, args: readonly string[], options: SpawnOptions = {}): ChildProcess {
    if (this.destroying !== undefined) throw new Error(`network-namespace lab ${this.id} was destroyed`);
    if (this.hosts[host.index] !== host) throw new Error(`host ${host.netns} is not in lab ${this.id}`);
    const child = spawn(this.ipBinary, ["netns", "exec", host.netns, command, ...args], options);
    const pid = child.pid;
    if (pid !== undefined) {
      trackPid(pid);
      this.children.add(child);
      child.once("exit", () => {
        untrackPid(pid);
        this.children.delete(child);
      });
    }
    return child;
  }

  destroy(): Promise<void> {
    this.destroying ??= this.teardown();
    return this.destroying;
  }

  private async teardown(): Promise<void> {
    const exits = [...this.children].map((child) => {
      const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
      return exited;
    });
    await Promise.all(exits);
    // Hosts first: deleting a host's namespace removes its veth pair, then the bridge goes.
    for (const name of this.created.reverse()) {
      await this.ip("netns", "del", name).catch(() => undefined);
      untrackNetns(name);
    }
    this.created.length = 0;
  }

  private async addNamespace(name: string): Promise<void> {
    trackNetns(name, this.ipBinary);
    this.created.push(name);
    await this.ip("netns", "add", name);
  }

  private check(a: NetnsHost, b: NetnsHost): void {
    if (this.hosts[a.index] !== a || this.hosts[b.index] !== b)
      throw new Error(`hosts ${a.netns} and ${b.netns} are not both in lab ${this.id}`);
    if (a === b) throw new Error(`cannot cut ${a.netns} from itself`);
  }

  private ip(...args: string[]): Promise<void> {
    return runIp(this.ipBinary, args).then(() => undefined);
  }
}

function pairKey(a: NetnsHost, b: NetnsHost): string {
  return a.index < b.index ? `${a.index}:${b.index}` : `${b.index}:${a.index}`;
}

function runIp(ip: string, args: readonly string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(ip, [...args], { encoding: "utf8" }, (error, stdout, stderr) => {
      if (error === null) resolve(stdout);
      else reject(new Error(`\`ip ${args.join(" ")}\` failed: ${stderr.trim() || error.message}`, { cause: error }));
    });
  });
}

/** Deletes namespaces named by this harness whose creating process is gone (a run that was SIGKILLed). */
async function removeLeftovers(ip: string): Promise<void> {
  const listing = await runIp(ip, ["netns", "list"]).catch(() => "");
  const names = listing
    .split("\n")
    .map((line) => line.trim().split(" ")[0] ?? "")
    .filter((name) => name.startsWith(netnsPrefix));
  for (const name of names) {
    const pid = Number(/^tsakt-(\d+)-/.exec(name)?.[1]);
    if (!Number.isInteger(pid) || pid === process.pid || processAlive(pid)) continue;
    await runIp(ip, ["netns", "del", name]).catch(() => undefined);
  }
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists, under another user.
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}
