import { TsaktError } from "@tsakt/actor";

/** No member of the cluster could take the call before its deadline: none known, none reachable, or all down. */
export class NoNodeAvailableError extends TsaktError {
  constructor(
    readonly operation: string,
    readonly waitedMs: number,
    options?: ErrorOptions,
  ) {
    super(
      "NoNodeAvailable",
      `${operation}: no cluster member with a client gateway was reachable within ${waitedMs} ms; check the seeds or discovery, ` +
        "that the nodes run clientGateway() from @tsakt/client/gateway, and that they are up",
      options,
    );
  }
}

/** The client was closed; make a new one with connect(). */
export class ClientClosedError extends TsaktError {
  constructor(operation: string) {
    super("ClientClosed", `cannot ${operation}: the cluster client is closed; create a new one with connect()`);
  }
}

/** A call failed on the cluster side with an error that retrying does not fix; `code` is the remote error's code. */
export class ClientCallError extends TsaktError {
  constructor(
    code: string,
    message: string,
    /** The member whose gateway reported the failure. */
    readonly node: string,
  ) {
    super(code === "" ? "ClientCallFailed" : code, `${message} (reported by the gateway of ${node})`);
  }
}

/** Every attempt of a call failed with errors worth retrying and its deadline passed; `cause` is the last one. */
export class CallDeadlineExceededError extends TsaktError {
  constructor(
    readonly target: string,
    readonly attempts: number,
    readonly timeoutMs: number,
    cause: unknown,
  ) {
    super(
      "CallDeadlineExceeded",
      `call to ${target} did not succeed within ${timeoutMs} ms (${attempts} attempts; last error: ${messageOf(cause)}); ` +
        "raise timeoutMs, or check the cluster's health",
      { cause },
    );
  }
}

/** The text of an error, for messages. */
export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
