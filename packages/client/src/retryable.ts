/**
 * Codes of failures a gateway reports that another attempt can fix: a member died or left, a grain is being placed
 * or moved, the registry is settling, a node is stopping. Anything else (an unknown kind, a bad message, an actor
 * that does not exist, the grain's own error) is the caller's to handle and fails the call at once.
 */
const retryableCodes: ReadonlySet<string> = new Set([
  "RemoteUnreachable",
  "AskTimeout",
  "ClusterUnreachable",
  "ClusterRequestTimeout",
  "ClusterNotRunning",
  "RegistryUnavailable",
  "NoEligibleMember",
  "GrainActivationTimeout",
  "GrainOwnedElsewhere",
  "NoGrainNode",
  "OutboundQueueFull",
  "HandshakeFailed",
  "SystemNotStarted",
  "DeadActor",
]);

/** True when a gateway failure with this code is worth another attempt (on any member). */
export function isRetryable(code: string): boolean {
  return retryableCodes.has(code);
}
