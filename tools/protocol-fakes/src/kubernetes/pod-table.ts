import type { PodJson } from "./fake-pod.js";

/** How a response is encoded: plain JSON objects, or server-side printed Tables (what kubectl get asks for). */
export type Representation = { table: false } | { table: true; apiVersion: "meta.k8s.io/v1" | "meta.k8s.io/v1beta1" };

/**
 * Picks the first media range of an Accept header the fake can serve, as kube-apiserver's content
 * negotiation does; undefined when none fits (406). No header, `*\/*` and application/json mean JSON.
 */
export function negotiate(accept: string | undefined): Representation | undefined {
  if (accept === undefined || accept.trim() === "") return { table: false };
  for (const range of accept.split(",")) {
    const [type = "", ...rawParams] = range.split(";").map((p) => p.trim());
    const params = new Map(rawParams.map((p) => p.split("=").map((s) => s.trim()) as [string, string]));
    if (!["application/json", "application/*", "*/*"].includes(type)) continue;
    const as = params.get("as");
    if (as === undefined) return { table: false };
    if (as === "Table" && params.get("g") === "meta.k8s.io" && (params.get("v") === "v1" || params.get("v") === "v1beta1")) {
      return { table: true, apiVersion: `meta.k8s.io/${params.get("v") as "v1" | "v1beta1"}` };
    }
  }
  return undefined;
}

/** The Content-Type header for a representation. */
export function contentType(representation: Representation): string {
  if (!representation.table) return "application/json";
  return `application/json;as=Table;v=${representation.apiVersion.slice("meta.k8s.io/".length)};g=meta.k8s.io`;
}

const columns = [
  { name: "Name", type: "string", format: "name", description: "The pod's name, unique within its namespace.", priority: 0 },
  { name: "Ready", type: "string", format: "", description: "Ready containers out of all containers.", priority: 0 },
  { name: "Status", type: "string", format: "", description: "The pod's phase, or why it is not running.", priority: 0 },
  { name: "Restarts", type: "string", format: "", description: "How often the pod's containers restarted.", priority: 0 },
  { name: "Age", type: "string", format: "", description: "Time since the pod was created.", priority: 0 },
  { name: "IP", type: "string", format: "", description: "The pod's IP address.", priority: 1 },
  { name: "Node", type: "string", format: "", description: "The node the pod is scheduled to.", priority: 1 },
  { name: "Nominated Node", type: "string", format: "", description: "The node the scheduler nominated.", priority: 1 },
  { name: "Readiness Gates", type: "string", format: "", description: "Extra readiness conditions.", priority: 1 },
];

/** A duration the way kubectl prints ages (Kubernetes' HumanDuration): "45s", "3m20s", "5h", "2d3h". */
export function humanDuration(ms: number): string {
  const seconds = Math.floor(ms / 1000);
  if (seconds < 0) return "0s";
  if (seconds < 120) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 10) return seconds % 60 === 0 ? `${minutes}m` : `${minutes}m${seconds % 60}s`;
  if (minutes < 180) return `${minutes}m`;
  const hours = Math.floor(minutes / 60);
  if (hours < 8) return minutes % 60 === 0 ? `${hours}h` : `${hours}h${minutes % 60}m`;
  if (hours < 48) return `${hours}h`;
  if (hours < 192) return hours % 24 === 0 ? `${Math.floor(hours / 24)}d` : `${Math.floor(hours / 24)}d${hours % 24}h`;
  const days = Math.floor(hours / 24);
  if (days < 730) return `${days}d`;
  const years = Math.floor(days / 365);
  return years < 8 ? `${years}y${days % 365}d` : `${years}y`;
}

function cells(pod: PodJson): unknown[] {
  const containers = (pod.spec.containers as unknown[] | undefined) ?? [];
  const statuses = (pod.status.containerStatuses as Array<{ ready?: boolean; restartCount?: number }> | undefined) ?? [];
  const ready = statuses.filter((s) => s.ready).length;
  const restarts = statuses.reduce((sum, s) => sum + (s.restartCount ?? 0), 0);
  const reason = pod.metadata.deletionTimestamp !== undefined ? "Terminating" : String(pod.status.phase ?? "Unknown");
  return [
    pod.metadata.name,
    `${ready}/${containers.length}`,
    reason,
    String(restarts),
    humanDuration(Date.now() - Date.parse(pod.metadata.creationTimestamp)),
    (pod.status.podIP as string | undefined) ?? "<none>",
    (pod.spec.nodeName as string | undefined) ?? "<none>",
    "<none>",
    "<none>",
  ];
}

/** How much of each object a Table row carries (?includeObject=). Default: "Metadata". */
export type IncludeObject = "None" | "Metadata" | "Object";

/** The server-side printed Table for `pods`; `headers: false` leaves out the column definitions, as on every watch event after the first. */
export function podTable(
  pods: readonly PodJson[],
  options: { apiVersion: string; includeObject: IncludeObject; headers: boolean; resourceVersion?: string },
): Record<string, unknown> {
  return {
    kind: "Table",
    apiVersion: options.apiVersion,
    metadata: options.resourceVersion === undefined ? {} : { resourceVersion: options.resourceVersion },
    columnDefinitions: options.headers ? columns : null,
    rows: pods.map((pod) => ({
      cells: cells(pod),
      object:
        options.includeObject === "Object"
          ? pod
          : options.includeObject === "Metadata"
            ? { kind: "PartialObjectMetadata", apiVersion: "meta.k8s.io/v1", metadata: pod.metadata }
            : null,
    })),
  };
}
