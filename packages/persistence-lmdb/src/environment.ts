import { resolve } from "node:path";
import { InvalidOptionError } from "@tsakt/actor";
import { type Database, open, type RootDatabase } from "lmdb";
import type { ResolvedLmdbOptions } from "./options.js";

/** The LMDB environment behind a path and its named databases. */
export interface Environment {
  /** The root database; transactions run on it and span every named database. */
  readonly root: RootDatabase<Buffer, Buffer>;
  /** State records by key. */
  readonly state: Database<Buffer, Buffer>;
  /** Events by (persistence id, sequence number). */
  readonly events: Database<Buffer, Buffer>;
  /** Highest sequence number by persistence id. */
  readonly highest: Database<Buffer, Buffer>;
  /** Snapshots by (persistence id, sequence number). */
  readonly snapshots: Database<Buffer, Buffer>;
  /** The options it was opened with. */
  readonly options: ResolvedLmdbOptions;
}

interface Shared {
  env: Environment;
  refs: number;
}

// LMDB must not open one environment twice in a process (its locks are per process), so stores on one path share it.
const shared = new Map<string, Shared>();

/** Opens (or shares) the environment at options.path; release it with releaseEnvironment. */
export function acquireEnvironment(options: ResolvedLmdbOptions): Environment {
  const path = resolve(options.path);
  const existing = shared.get(path);
  if (existing !== undefined) {
    if (existing.env.options.noSync !== options.noSync)
      throw new InvalidOptionError("noSync", `differs from the store already open at ${path} in this process; use the same value`);
    existing.refs++;
    return existing.env;
  }
  const root = open<Buffer, Buffer>({ path, encoding: "binary", keyEncoding: "binary", noSync: options.noSync, maxDbs: 8 });
  const named = (name: string) => root.openDB<Buffer, Buffer>({ name, encoding: "binary", keyEncoding: "binary" });
  const env: Environment = {
    root,
    state: named("tsakt-state"),
    events: named("tsakt-events"),
    highest: named("tsakt-highest"),
    snapshots: named("tsakt-snapshots"),
    options,
  };
  shared.set(path, { env, refs: 1 });
  return env;
}

/** Drops one reference; the last one closes the environment. */
export async function releaseEnvironment(env: Environment): Promise<void> {
  const path = resolve(env.options.path);
  const entry = shared.get(path);
  if (entry === undefined || entry.env !== env) return;
  entry.refs--;
  if (entry.refs > 0) return;
  shared.delete(path);
  await env.root.close();
}
