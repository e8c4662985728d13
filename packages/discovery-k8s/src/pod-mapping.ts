import type { DiscoveryNode } from "@tsakt/discovery";

/** The fields of a v1 Pod discovery reads; both the client's V1Pod and raw watch JSON fit. */
export interface PodLike {
  metadata?: { name?: string; resourceVersion?: string; deletionTimestamp?: unknown; annotations?: Record<string, string> };
  spec?: { containers?: Array<{ ports?: Array<{ name?: string; containerPort?: number }> }> };
  status?: { phase?: string; podIP?: string; conditions?: Array<{ type?: string; status?: string }> };
}

/** How pods become nodes. */
export interface PodMappingRules {
  portName: string;
  requireReady: boolean;
  rolesAnnotation: string;
}

/**
 * The node a pod stands for, or undefined when it cannot take traffic: not Running,
 * terminating, without an IP, not Ready (when required), or without the named port.
 */
export function nodeFromPod(pod: PodLike, rules: PodMappingRules): DiscoveryNode | undefined {
  const name = pod.metadata?.name;
  const host = pod.status?.podIP;
  if (!name || !host || pod.status?.phase !== "Running" || pod.metadata?.deletionTimestamp) return undefined;
  if (rules.requireReady && !pod.status.conditions?.some((c) => c.type === "Ready" && c.status === "True")) return undefined;
  const port = (pod.spec?.containers ?? []).flatMap((c) => c.ports ?? []).find((p) => p.name === rules.portName)?.containerPort;
  if (typeof port !== "number" || port < 1 || port > 65_535) return undefined;
  const node: DiscoveryNode = { name, host, port };
  const roles = pod.metadata?.annotations?.[rules.rolesAnnotation]
    ?.split(",")
    .map((r) => r.trim())
    .filter((r) => r.length > 0);
  if (roles && roles.length > 0) node.roles = roles;
  return node;
}
