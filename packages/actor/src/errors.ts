const brand = Symbol.for("tsakt.error");

/** Base class of every TsAkt error: a stable `code`, a message that says what to do, and an optional `cause`. */
export class TsaktError extends Error {
  /** Marks TsAkt errors across packages and realms so `isTsaktError` needs no instanceof. */
  readonly [brand] = true;
  constructor(
    /** Stable machine-readable code, for example "ActorNotFound". */
    readonly code: string,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** True when `error` is a TsAkt error (from any TsAkt package), and when given, has this `code`. */
export function isTsaktError(error: unknown, code?: string): error is TsaktError {
  if (typeof error !== "object" || error === null) return false;
  const e = error as { [brand]?: unknown; code?: unknown };
  return e[brand] === true && (code === undefined || e.code === code);
}

/** A live actor already has this name under the same parent. */
export class ActorAlreadyExistsError extends TsaktError {
  constructor(readonly actorName: string) {
    super("ActorAlreadyExists", `an actor named "${actorName}" already exists; stop it first or choose another name`);
  }
}

/** No actor answers to this name or address. */
export class ActorNotFoundError extends TsaktError {
  constructor(readonly actorName: string) {
    super("ActorNotFound", `no actor found for "${actorName}"; check the name, or spawn it first`);
  }
}

/** An actor name is empty, too long, or has characters outside [A-Za-z0-9_.~@$-]. */
export class InvalidNameError extends TsaktError {
  constructor(
    readonly actorName: string,
    reason: string,
  ) {
    super("InvalidName", `invalid actor name ${JSON.stringify(actorName)}: ${reason}`);
  }
}

/** An option passed to start, spawn or ask is wrong; `field` names it. */
export class InvalidOptionError extends TsaktError {
  constructor(
    /** Dotted path of the option at fault, for example "mailbox.capacity". */
    readonly field: string,
    /** What is wrong with it and what to do. */
    readonly reason: string,
  ) {
    super("InvalidOption", `invalid option ${field}: ${reason}`);
  }
}

/** An ask got no reply within its timeout. */
export class AskTimeoutError extends TsaktError {
  constructor(
    readonly target: string,
    readonly timeoutMs: number,
  ) {
    super("AskTimeout", `no reply from ${target} within ${timeoutMs} ms; raise timeoutMs or check that the actor responds`);
  }
}

/** An ask was cancelled through its AbortSignal. */
export class AskAbortedError extends TsaktError {
  constructor(
    readonly target: string,
    reason: unknown,
  ) {
    super("AskAborted", `ask to ${target} was aborted by its signal`, { cause: reason });
  }
}

/** The target actor is stopped; the message went to dead letters. */
export class DeadActorError extends TsaktError {
  constructor(readonly target: string) {
    super("DeadActor", `actor ${target} is stopped; look it up again or spawn a new one`);
  }
}

/** A bounded mailbox is full; the message went to dead letters. */
export class MailboxFullError extends TsaktError {
  constructor(
    readonly target: string,
    readonly capacity: number,
  ) {
    super("MailboxFull", `mailbox of ${target} is full (capacity ${capacity}); slow the sender, use send() to wait, or raise the capacity`);
  }
}

/** The actor system is not running (not started yet, or stopped). */
export class SystemNotStartedError extends TsaktError {
  constructor(operation: string) {
    super("SystemNotStarted", `cannot ${operation}: the actor system is not running; start it with ActorSystem.start()`);
  }
}

/** An actor's preStart failed, so the actor was not started. */
export class ActorInitializationError extends TsaktError {
  constructor(
    readonly target: string,
    cause: unknown,
  ) {
    super("ActorInitialization", `actor ${target} failed in preStart: ${messageOf(cause)}`, { cause });
  }
}

/** A message could not be accepted (undefined or null are not messages). */
export class InvalidMessageError extends TsaktError {
  constructor(reason: string) {
    super("InvalidMessage", `invalid message: ${reason}`);
  }
}

/** Returns an error's message, or the value as text when it is not an Error. */
export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** ctx.stash was called with the stash at its capacity. */
export class StashFullError extends TsaktError {
  constructor(
    readonly target: string,
    readonly capacity: number,
  ) {
    super("StashFull", `stash of ${target} is full (capacity ${capacity}); unstash before stashing more or raise stashCapacity`);
  }
}

/** A plugin that an operation or another plugin needs is not among the system's plugins. */
export class PluginNotInstalledError extends TsaktError {
  constructor(
    /** The plugin's name, for example "cluster". */
    readonly plugin: string,
    /** The npm package that provides it, for example "@tsakt/cluster". */
    readonly packageName: string,
    /** What needed it, for example "clusterOf(system)". */
    readonly neededBy: string,
  ) {
    super(
      "PluginNotInstalled",
      `${neededBy} needs the "${plugin}" plugin, which this actor system was started without; install ${packageName} and pass its plugin in ActorSystem.start({ plugins: [...] })`,
    );
  }
}

/** `metrics: true` was asked for, but @opentelemetry/api (an optional peer dependency) could not be loaded. */
export class MetricsUnavailableError extends TsaktError {
  constructor(cause: unknown) {
    super(
      "MetricsUnavailable",
      "ActorSystem.start({ metrics: true }) needs @opentelemetry/api: install it (npm install @opentelemetry/api) and an OpenTelemetry SDK, or pass { meter }",
      { cause },
    );
  }
}

/** The asked actor's handler threw while processing the ask; the asker is rejected at once, not at the timeout. */
export class AskFailedError extends TsaktError {
  /** The thrown error's name, for example "TypeError" ("Error" for a thrown non-Error). */
  readonly causeName: string;
  /** The thrown error's message. */
  readonly causeMessage: string;
  /** The thrown error's `code` when it has a string one (TsAkt errors, Node system errors), else "". */
  readonly causeCode: string;
  constructor(
    readonly target: string,
    cause: unknown,
  ) {
    const e = cause instanceof Error ? cause : undefined;
    const code = (cause as { code?: unknown } | null | undefined)?.code;
    const causeName = e?.name ?? "Error";
    const causeCode = typeof code === "string" ? code : "";
    super(
      "AskFailed",
      `${target} failed while handling the ask: ${causeName}${causeCode === "" ? "" : ` [${causeCode}]`}: ${messageOf(cause)}; fix the handler or catch the error and respond`,
      { cause },
    );
    this.causeName = causeName;
    this.causeMessage = messageOf(cause);
    this.causeCode = causeCode;
  }
}

/** ctx.request was called in an actor spawned with reentrancy "off". */
export class ReentrancyDisabledError extends TsaktError {
  constructor(readonly target: string) {
    super(
      "ReentrancyDisabled",
      `${target} was spawned with reentrancy "off", so ctx.request is refused; use ctx.ask (and await it), or spawn it with reentrancy "allow-all" or "stash"`,
    );
  }
}

/** ctx.request was called with `maxInFlight` requests of the actor already pending. */
export class InFlightLimitError extends TsaktError {
  constructor(
    readonly target: string,
    readonly maxInFlight: number,
  ) {
    super(
      "InFlightLimit",
      `${target} already has ${maxInFlight} ctx.request calls pending (maxInFlight); wait for a reply before the next request or raise maxInFlight`,
    );
  }
}

/** A CircuitBreaker refused a call because it is open (or half-open with its trial call still running). */
export class CircuitOpenError extends TsaktError {
  constructor(
    /** The breaker's name. */
    readonly circuit: string,
    /** Consecutive failures that opened it. */
    readonly failures: number,
    /** Time until the next trial call may go through (0 when half-open). */
    readonly retryAfterMs: number,
  ) {
    super(
      "CircuitOpen",
      `circuit "${circuit}" is open after ${failures} consecutive failures; the call was not made. Retry in ${retryAfterMs} ms, or handle the error as the dependency being down`,
    );
  }
}

/** A call through a CircuitBreaker took longer than its callTimeoutMs (it counts as a failure). */
export class CircuitCallTimeoutError extends TsaktError {
  constructor(
    /** The breaker's name. */
    readonly circuit: string,
    /** The breaker's callTimeoutMs. */
    readonly timeoutMs: number,
  ) {
    super(
      "CircuitCallTimeout",
      `a call through circuit "${circuit}" took longer than ${timeoutMs} ms (callTimeoutMs); raise callTimeoutMs or make the call faster`,
    );
  }
}

/** A ctx.pipeTo task did not settle within its timeoutMs; its PipeFailure carries this code, and a late result is dropped. */
export class PipeTimeoutError extends TsaktError {
  constructor(
    /** The piping actor's address. */
    readonly actor: string,
    /** The pipeTo timeoutMs. */
    readonly timeoutMs: number,
  ) {
    super(
      "PipeTimeout",
      `a task piped by ${actor} did not settle within ${timeoutMs} ms (pipeTo timeoutMs); raise timeoutMs or make the task faster`,
    );
  }
}
