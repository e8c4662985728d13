import { InvalidOptionError } from "@tsakt/actor";

/** Options of the LMDB stores. */
export interface LmdbStoreOptions {
  /** Directory holding the store (created when missing); every process on the machine that opens it shares the data. */
  path: string;
  /** Skip the fsync after each commit: faster, but a machine (not process) crash can lose recent commits or damage the file. Default: false. */
  noSync?: boolean;
  /** Largest batch of events read per page during replay. Default: 500. */
  replayPageSize?: number;
}

/** Options after validation, defaults filled in. */
export interface ResolvedLmdbOptions {
  path: string;
  noSync: boolean;
  replayPageSize: number;
}

/** Validates the options, naming the field at fault. */
export function resolveOptions(options: LmdbStoreOptions): ResolvedLmdbOptions {
  if (typeof options !== "object" || options === null) throw new InvalidOptionError("options", "must be an object with a path");
  if (typeof options.path !== "string" || options.path.length === 0)
    throw new InvalidOptionError("path", "must be a non-empty directory path, for example ./data/tsakt");
  if (options.noSync !== undefined && typeof options.noSync !== "boolean") throw new InvalidOptionError("noSync", "must be a boolean");
  const replayPageSize = options.replayPageSize ?? 500;
  if (!Number.isSafeInteger(replayPageSize) || replayPageSize < 1) throw new InvalidOptionError("replayPageSize", "must be an integer ≥ 1");
  return { path: options.path, noSync: options.noSync ?? false, replayPageSize };
}
