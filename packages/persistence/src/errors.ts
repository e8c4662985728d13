import { TsaktError } from "@tsakt/actor";

/** A write carried a stale expected version or sequence number: another writer got there first. */
export class ConcurrencyConflictError extends TsaktError {
  constructor(
    /** The state key or persistence id that was written. */
    readonly key: string,
    /** The version (state) or highest sequence number (journal) the caller expected. */
    readonly expected: number,
    /** What the store holds now (0 when the key does not exist). */
    readonly actual: number,
    what: "version" | "sequence number" = "version",
  ) {
    super(
      "ConcurrencyConflict",
      `"${key}": expected ${what} ${expected} but the store holds ${actual}; another writer saved first — ` +
        "reload and retry, or stop this writer if it is a stale duplicate",
    );
  }
}

/** The backend could not be reached or failed; the call did not take effect (or its outcome is unknown) and may be retried. */
export class StoreUnavailableError extends TsaktError {
  constructor(
    /** The store's id, for example "postgres". */
    readonly store: string,
    /** The operation that failed, for example "save". */
    readonly operation: string,
    cause: unknown,
  ) {
    super(
      "StoreUnavailable",
      `${store} store: ${operation} failed: ${describe(cause)}; check that the backend is running and reachable, then retry`,
      { cause },
    );
  }
}

/** Stored bytes could not be read back (damaged row, unknown type, wrong schema); `key` names where they are. */
export class CorruptStateError extends TsaktError {
  constructor(
    /** The state key, persistence id (with sequence number) or snapshot that holds the unreadable bytes. */
    readonly key: string,
    reason: string,
    options?: ErrorOptions,
  ) {
    super("CorruptState", `stored data of "${key}" cannot be read: ${reason}; repair or clear it, or register its schema`, options);
  }
}

/** The store was closed; create a new one to keep using the backend. */
export class StoreClosedError extends TsaktError {
  constructor(
    /** The store's id, for example "memory". */
    readonly store: string,
    /** The operation that was attempted. */
    readonly operation: string,
  ) {
    super("StoreClosed", `${store} store: ${operation} after close(); create a new store`);
  }
}

/** A message's type has no schema in the codec's registry, so it cannot be written or read. */
export class UnknownTypeError extends TsaktError {
  constructor(
    /** The protobuf type name that was looked up. */
    readonly typeName: string,
  ) {
    super("UnknownType", `no schema registered for "${typeName}"; add its schema (or file) to the codec's types`);
  }
}

function describe(cause: unknown): string {
  return cause instanceof Error ? cause.message : String(cause);
}
