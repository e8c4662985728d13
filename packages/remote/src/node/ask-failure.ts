import { AskFailedError } from "@tsakt/actor";
import type { Failure } from "../gen/tsakt/remote/v1/system_pb.js";

/** The Failure fields that carry an AskFailedError's cause across nodes; the stack only with `withStack`. */
export function causeFields(
  error: unknown,
  withStack: boolean,
): Pick<Failure, "causeName" | "causeCode" | "causeMessage" | "causeStack"> | undefined {
  if (!(error instanceof AskFailedError)) return undefined;
  const stack = withStack && error.cause instanceof Error ? (error.cause.stack ?? "") : "";
  return { causeName: error.causeName, causeCode: error.causeCode, causeMessage: error.causeMessage, causeStack: stack };
}

/** The asker's AskFailedError for an AskFailed reply: its cause is an Error rebuilt with the remote name, code, message (and stack when sent). */
export function askFailedOf(failure: Failure, target: string): AskFailedError {
  const cause = new Error(failure.causeMessage) as Error & { code?: string };
  cause.name = failure.causeName === "" ? "Error" : failure.causeName;
  if (failure.causeCode !== "") cause.code = failure.causeCode;
  cause.stack =
    failure.causeStack !== "" ? failure.causeStack : `${cause.name}: ${cause.message}\n    at ${target} (remote; stack not sent)`;
  return new AskFailedError(target, cause);
}
