import { chownSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { removeTempDir, trackTempDir } from "./cleanup.js";
import { isAddressInUse, ManagedProcess, type ProcessSpec } from "./managed-process.js";

/** Control over one test server process; ports and data dir stay fixed across restarts. */
export interface ServerHandle {
  /** The client port on 127.0.0.1. */
  readonly port: number;
  /** PID of the running process; changes on restart, undefined while the process is down. */
  readonly pid: number | undefined;
  /** True while the process runs. */
  readonly running: boolean;
  /** The temp dir holding the server's data; removed by stop(). */
  readonly dataDir: string;
  /** The last 64 KiB of the server's output, for diagnosing a failed test. */
  logs(): string;
  /** Stops the process gracefully (SIGTERM, then SIGKILL after 5 s) and removes the data dir; idempotent. */
  stop(): Promise<void>;
  /** Stops the process if it runs, then starts it again on the same ports with the same data dir. */
  restart(): Promise<void>;
  /** SIGKILLs the process, keeping the data dir so restart() can bring it back as after a crash. */
  kill(): Promise<void>;
  /** Stops the process gracefully but keeps the data dir, so restart() brings it back with its data (a server outage). */
  halt(): Promise<void>;
}

/** Creates a temp dir that is removed on stop() or, failing that, on process exit; `owner` chowns it to another user. */
export function makeTempDir(label: string, owner?: { uid: number; gid: number }): string {
  // Another user must be able to reach the dir: a TMPDIR inside root's home would not let it, /tmp does.
  const dir = mkdtempSync(join(owner === undefined ? tmpdir() : "/tmp", `tsakt-${label}-`));
  trackTempDir(dir);
  if (owner !== undefined) chownSync(dir, owner.uid, owner.gid);
  return dir;
}

/** Builds a handle around a process spec; pickPorts is retried when a chosen port was taken before the bind. */
export async function startServer<P>(
  label: string,
  dataDir: string,
  pickPorts: () => Promise<P>,
  specFor: (ports: P) => ProcessSpec,
  clientPort: (ports: P) => number,
): Promise<{ handle: ServerHandle; ports: P }> {
  const attempts = 3;
  for (let attempt = 1; ; attempt++) {
    const ports = await pickPorts();
    const proc = new ManagedProcess(specFor(ports));
    try {
      await proc.start();
      return { handle: handleFor(proc, clientPort(ports), dataDir), ports };
    } catch (error) {
      await proc.kill();
      if (attempt < attempts && isAddressInUse(error)) continue;
      removeTempDir(dataDir);
      throw new Error(`${label} did not start: ${(error as Error).message}`, { cause: error });
    }
  }
}

function handleFor(proc: ManagedProcess, port: number, dataDir: string): ServerHandle {
  let stopped = false;
  return {
    port,
    dataDir,
    get pid() {
      return proc.pid;
    },
    get running() {
      return proc.running;
    },
    logs: () => proc.logs(),
    async stop() {
      if (stopped) return;
      stopped = true;
      await proc.stop();
      removeTempDir(dataDir);
    },
    async restart() {
      if (stopped) throw new Error(`cannot restart a server after stop(); its data dir ${dataDir} is gone`);
      await proc.stop();
      await proc.start();
    },
    kill: () => proc.kill(),
    halt: () => proc.stop(),
  };
}
