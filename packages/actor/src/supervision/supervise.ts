import { decide } from "./decide.js";
import { escalate } from "./escalate.js";
import { oneForAll } from "./one-for-all.js";
import { oneForOne } from "./one-for-one.js";
import type { SupervisionStrategy } from "./options.js";
import { restart } from "./restart.js";
import { resume } from "./resume.js";
import { stop } from "./stop.js";
import type { Supervisee } from "./supervisee.js";

/**
 * Applies `failed`'s supervisor to `error` it raised while processing a message: decides the directive, finds the
 * actors the strategy covers, and carries the directive out. `escalatedFrom` is set when `failed` is deciding about
 * a child's escalated failure.
 */
export function supervise(failed: Supervisee, error: unknown, escalatedFrom?: Supervisee): void {
  const options = failed.supervisorOptions();
  const directive = decide(options, error);
  failed.runtime.logger.warn({ actor: failed.address, err: error, directive }, "actor failed");
  switch (directive) {
    case "resume":
      resume(escalatedFrom);
      return;
    case "stop":
      stop(failed, siblingsOf(failed, options?.strategy));
      return;
    case "escalate":
      escalate(failed, error);
      return;
    case "restart":
      restart(failed, siblingsOf(failed, options?.strategy), error, options);
      return;
  }
}

function siblingsOf(failed: Supervisee, strategy: SupervisionStrategy | undefined): readonly Supervisee[] {
  return strategy === "one-for-all" ? oneForAll(failed) : oneForOne(failed);
}
