import type { Supervisee } from "./supervisee.js";

/**
 * Resume: the actor keeps its instance and goes on with its next message (the failing one is dropped). When the
 * decision is about an escalated failure, the child that escalated is the one that goes on.
 */
export function resume(escalatedFrom: Supervisee | undefined): void {
  escalatedFrom?.resumeAfterEscalation();
}
