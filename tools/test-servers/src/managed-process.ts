import { type ChildProcess, spawn } from "node:child_process";
import { trackPid, untrackPid } from "./cleanup.js";

const logLimit = 64 * 1024;

/** What to run and how to tell that it is ready. */
export interface ProcessSpec {
  /** Label used in error messages, for example "nats-server". */
  label: string;
  /** Absolute path of the executable. */
  command: string;
  /** Its command-line arguments. */
  args: readonly string[];
  /** Resolves true once the process serves requests; called repeatedly until it does. */
  probe(): Promise<boolean>;
  /** How long start waits for probe to succeed. */
  readyTimeoutMs: number;
  /** Signal for a graceful stop (postgres wants SIGINT: its SIGTERM waits for every client to leave). Default: SIGTERM. */
  stopSignal?: NodeJS.Signals;
  /** Run the process as this user id (servers that refuse to run as root). Default: this process's. */
  uid?: number;
  /** Run the process with this group id. Default: this process's. */
  gid?: number;
}

/** A spawned server process whose lifetime the test controls; it is killed on test-process exit. */
export class ManagedProcess {
  private child: ChildProcess | undefined;
  private exited: Promise<void> = Promise.resolve();
  private log = "";

  constructor(private readonly spec: ProcessSpec) {}

  /** PID of the current process, or undefined when it is not running. */
  get pid(): number | undefined {
    return this.running ? this.child?.pid : undefined;
  }

  /** True between a successful start and the process's exit. */
  get running(): boolean {
    const child = this.child;
    return child?.pid !== undefined && child.exitCode === null && child.signalCode === null;
  }

  /** The last 64 KiB of the process's stdout and stderr. */
  logs(): string {
    return this.log;
  }

  /** Spawns the process and waits until its probe succeeds; throws (after killing it) if it exits or times out. */
  async start(): Promise<void> {
    if (this.running) throw new Error(`${this.spec.label} is already running (pid ${this.child?.pid})`);
    this.log = "";
    const child = spawn(this.spec.command, [...this.spec.args], {
      stdio: ["ignore", "pipe", "pipe"],
      ...(this.spec.uid === undefined ? {} : { uid: this.spec.uid }),
      ...(this.spec.gid === undefined ? {} : { gid: this.spec.gid }),
    });
    this.child = child;
    this.exited = new Promise((resolve) => child.once("exit", () => resolve()));
    const pid = child.pid;
    if (pid !== undefined) {
      trackPid(pid);
      void this.exited.then(() => untrackPid(pid));
    }
    const append = (chunk: Buffer): void => {
      this.log = (this.log + chunk.toString("utf8")).slice(-logLimit);
    };
    child.stdout?.on("data", append);
    child.stderr?.on("data", append);
    const spawnError = new Promise<Error>((resolve) => child.once("error", resolve));

    const deadline = Date.now() + this.spec.readyTimeoutMs;
    while (Date.now() < deadline) {
      const failed = await Promise.race([spawnError, this.exited.then(() => true), delay(50).then(() => false)]);
      if (failed instanceof Error) {
        this.child = undefined;
        this.exited = Promise.resolve();
        throw new Error(`${this.spec.label} could not be spawned: ${failed.message}`, { cause: failed });
      }
      if (failed) throw this.startFailure(`exited during start (code ${child.exitCode}, signal ${child.signalCode})`);
      if (await this.spec.probe().catch(() => false)) return;
    }
    await this.kill();
    throw this.startFailure(`was not ready within ${this.spec.readyTimeoutMs} ms`);
  }

  /** Sends the stop signal (SIGTERM unless the spec says otherwise) and waits for exit, escalating to SIGKILL after graceMs. */
  async stop(graceMs = 5000): Promise<void> {
    if (!this.running) return this.exited;
    this.signal(this.spec.stopSignal ?? "SIGTERM");
    const timer = setTimeout(() => this.signal("SIGKILL"), graceMs);
    await this.exited;
    clearTimeout(timer);
  }

  /** Sends SIGKILL and waits for exit, as a crash would end the process. */
  async kill(): Promise<void> {
    if (this.running) this.signal("SIGKILL");
    await this.exited;
  }

  private signal(signal: NodeJS.Signals): void {
    const pid = this.child?.pid;
    if (pid === undefined) return;
    try {
      process.kill(pid, signal);
    } catch {
      // exited between the check and the signal
    }
  }

  private startFailure(what: string): Error {
    const tail = this.log.trim().split("\n").slice(-15).join("\n");
    return new Error(`${this.spec.label} ${what}; last output:\n${tail}`);
  }
}

/** True when a start failure looks like the port was taken between choosing it and binding it. */
export function isAddressInUse(error: unknown): boolean {
  return error instanceof Error && /address already in use/i.test(error.message);
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
