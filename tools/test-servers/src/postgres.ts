import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { findBinary, requireBinary } from "./binary.js";
import { freePort } from "./free-port.js";
import { postgresAccepts } from "./probes.js";
import { makeTempDir, type ServerHandle, startServer } from "./server-handle.js";

/** Options for startPostgres. */
export interface PostgresOptions {
  /** Keep fsync on, as a production server runs (benchmarks); tests run faster without it. Default: false. */
  durable?: boolean;
  /** Extra command-line arguments passed to postgres, for example ["-c", "max_connections=200"]. Default: none. */
  args?: readonly string[];
  /** How long to wait for the server to accept a connection. Default: 30000. */
  readyTimeoutMs?: number;
}

/** A running PostgreSQL server on 127.0.0.1 with a trust-authenticated superuser "tsakt". */
export interface PostgresHandle extends ServerHandle {
  /** Connection string, for example "postgres://tsakt@127.0.0.1:41234/postgres". */
  readonly url: string;
  /** The superuser's name: "tsakt". */
  readonly user: string;
  /** The database to connect to: "postgres". */
  readonly database: string;
}

/** The user the server runs as: itself, unless this process is root (postgres refuses root), then "postgres" or "nobody". */
export function postgresRunAs(): { uid: number; gid: number; name: string } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const users = readFileSync("/etc/passwd", "utf8")
    .split("\n")
    .map((line) => line.split(":"))
    .filter((f) => f.length >= 4);
  for (const name of ["postgres", "nobody"]) {
    const entry = users.find((f) => f[0] === name);
    if (entry !== undefined) return { name, uid: Number(entry[2]), gid: Number(entry[3]) };
  }
  throw new Error("running as root and found neither a postgres nor a nobody user to run PostgreSQL as");
}

/**
 * Runs initdb in a temp dir and starts postgres on a random free loopback port (its socket in the temp dir too);
 * resolves once it accepts a connection. As root, the server and its data dir belong to an unprivileged user.
 */
export async function startPostgres(options: PostgresOptions = {}): Promise<PostgresHandle> {
  const postgres = requireBinary("postgres");
  const initdb = findBinary("initdb") ?? join(dirname(postgres), "initdb");
  const runAs = postgresRunAs();
  const owner = runAs === undefined ? undefined : { uid: runAs.uid, gid: runAs.gid };
  const dir = makeTempDir("postgres", owner);
  const dataDir = join(dir, "data");
  const init = spawnSync(initdb, ["-D", dataDir, "-U", "tsakt", "-A", "trust", "-E", "UTF8", "--locale=C", "--no-sync"], {
    encoding: "utf8",
    cwd: dir,
    ...(owner ?? {}),
  });
  if (init.status !== 0) throw new Error(`initdb failed (${init.status ?? init.signal}): ${init.stderr || init.error?.message}`);
  const { handle, ports } = await startServer(
    "postgres",
    dir,
    async () => ({ client: await freePort() }),
    ({ client }) => ({
      label: "postgres",
      command: postgres,
      args: [
        "-D",
        dataDir,
        "-h",
        "127.0.0.1",
        "-p",
        String(client),
        "-k",
        dir,
        "-c",
        `fsync=${options.durable === true ? "on" : "off"}`,
        "-c",
        "log_min_messages=warning",
        ...(options.args ?? []),
      ],
      probe: () => postgresAccepts(client, "tsakt", "postgres"),
      readyTimeoutMs: options.readyTimeoutMs ?? 30_000,
      // SIGTERM is postgres's "smart" shutdown, which waits for every client to disconnect; SIGINT ends sessions.
      stopSignal: "SIGINT",
      ...(owner ?? {}),
    }),
    ({ client }) => client,
  );
  return Object.assign(handle, { url: `postgres://tsakt@127.0.0.1:${ports.client}/postgres`, user: "tsakt", database: "postgres" });
}
