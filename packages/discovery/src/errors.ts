const brand = Symbol.for("tsakt.error");

/** Base of every discovery error: a stable `code`, the usual `message` and an optional `cause`. */
export class DiscoveryError extends Error {
  /** Marks TsAkt errors across packages so `isTsaktError` recognises them without instanceof. */
  readonly [brand] = true;
  constructor(
    /** Stable machine-readable code, for example "InvalidConfig". */
    readonly code: string,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** A provider option is missing or wrong; `field` names it. */
export class InvalidConfigError extends DiscoveryError {
  constructor(
    /** The option at fault, for example "servers" or "ttlMs". */
    readonly field: string,
    reason: string,
    options?: ErrorOptions,
  ) {
    super("InvalidConfig", `invalid discovery config: ${field} ${reason}`, options);
  }
}

/** An operation needed a registered node but register() was not called (or deregister() was). */
export class NotRegisteredError extends DiscoveryError {
  constructor(provider: string, operation: string) {
    super("NotRegistered", `${provider} discovery: ${operation} needs a registered node; call register(self) first`);
  }
}

/** The provider was closed; create a new one to keep discovering. */
export class ProviderClosedError extends DiscoveryError {
  constructor(provider: string, operation: string) {
    super("ProviderClosed", `${provider} discovery: ${operation} after close(); create a new provider`);
  }
}

/** The backend could not be reached or answered with an error; `cause` holds the client's error. */
export class DiscoveryUnavailableError extends DiscoveryError {
  constructor(provider: string, operation: string, cause: unknown) {
    super("DiscoveryUnavailable", `${provider} discovery: ${operation} failed: ${describe(cause)}; check that the backend is reachable`, {
      cause,
    });
  }
}

function describe(cause: unknown): string {
  return cause instanceof Error ? cause.message : String(cause);
}
