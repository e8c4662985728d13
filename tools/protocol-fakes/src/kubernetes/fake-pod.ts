import { randomUUID } from "node:crypto";

/** Pod phases as the Kubernetes API reports them. */
export type PodPhase = "Pending" | "Running" | "Succeeded" | "Failed" | "Unknown";

/** The parts of a pod a test controls; everything else gets realistic defaults. */
export interface FakePodInput {
  name: string;
  /** Default: "default". */
  namespace?: string;
  /** Default: none. */
  labels?: Record<string, string>;
  /** Default: none. */
  annotations?: Record<string, string>;
  /** Default: "Running". */
  phase?: PodPhase;
  /** Assigned pod IP. Default: "127.0.0.1" once Running, none while Pending. */
  podIP?: string;
  /** Whether the Ready condition is True. Default: true when Running. */
  ready?: boolean;
  /** Ports of the pod's single container. Default: none. */
  ports?: Array<{ name?: string; containerPort: number; protocol?: "TCP" | "UDP" | "SCTP" }>;
  /** Marks the pod as being deleted (deletionTimestamp set) while it still exists; deletePod does this with a grace period. Default: false. */
  terminating?: boolean;
}

/** A pod as JSON, shaped like the API server's v1 Pod. */
export type PodJson = {
  kind: "Pod";
  apiVersion: "v1";
  metadata: {
    name: string;
    namespace: string;
    uid: string;
    resourceVersion: string;
    creationTimestamp: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    deletionTimestamp?: string;
    deletionGracePeriodSeconds?: number;
  };
  spec: Record<string, unknown>;
  status: Record<string, unknown>;
};

/** The pod spec's terminationGracePeriodSeconds, Kubernetes' default. */
export const terminationGracePeriodSeconds = 30;

function condition(type: string, ok: boolean, at: string): Record<string, unknown> {
  return { type, status: ok ? "True" : "False", lastProbeTime: null, lastTransitionTime: at };
}

/** Builds the full v1 Pod object for `input`, keeping identity fields from `previous` when it is an update. */
export function buildPod(input: FakePodInput, resourceVersion: string, previous?: PodJson): PodJson {
  const now = new Date().toISOString().replace(/\.\d+Z$/, "Z");
  const phase = input.phase ?? "Running";
  const running = phase === "Running";
  const ready = input.ready ?? running;
  const podIP = input.podIP ?? (running ? "127.0.0.1" : undefined);
  const created = previous?.metadata.creationTimestamp ?? now;
  const metadata: PodJson["metadata"] = {
    name: input.name,
    namespace: input.namespace ?? "default",
    uid: previous?.metadata.uid ?? randomUUID(),
    resourceVersion,
    creationTimestamp: created,
  };
  if (input.labels && Object.keys(input.labels).length > 0) metadata.labels = { ...input.labels };
  if (input.annotations && Object.keys(input.annotations).length > 0) metadata.annotations = { ...input.annotations };
  if (input.terminating) {
    metadata.deletionTimestamp = previous?.metadata.deletionTimestamp ?? now;
    metadata.deletionGracePeriodSeconds = previous?.metadata.deletionGracePeriodSeconds ?? terminationGracePeriodSeconds;
  }
  const ports = (input.ports ?? []).map((p) => ({
    ...(p.name ? { name: p.name } : {}),
    containerPort: p.containerPort,
    protocol: p.protocol ?? "TCP",
  }));
  return {
    kind: "Pod",
    apiVersion: "v1",
    metadata,
    spec: {
      containers: [
        { name: "app", image: "registry.example/tsakt-app:1", ...(ports.length > 0 ? { ports } : {}), imagePullPolicy: "IfNotPresent" },
      ],
      restartPolicy: "Always",
      terminationGracePeriodSeconds,
      nodeName: phase === "Pending" ? undefined : "fake-node-1",
      serviceAccountName: "default",
    },
    status: {
      phase,
      conditions: [
        condition("PodScheduled", phase !== "Pending" || podIP !== undefined, created),
        condition("Initialized", running, created),
        condition("ContainersReady", ready, now),
        condition("Ready", ready, now),
      ],
      hostIP: phase === "Pending" ? undefined : "127.0.0.1",
      ...(podIP ? { podIP, podIPs: [{ ip: podIP }] } : {}),
      startTime: running ? created : undefined,
      containerStatuses: running
        ? [
            {
              name: "app",
              ready,
              restartCount: 0,
              image: "registry.example/tsakt-app:1",
              imageID: "",
              started: true,
              state: { running: { startedAt: created } },
            },
          ]
        : undefined,
      qosClass: "BestEffort",
    },
  };
}

/** Recovers the test-facing input from a stored pod, so updates can be partial. */
export function podInput(pod: PodJson): FakePodInput {
  const status = pod.status as { phase: PodPhase; podIP?: string; conditions: Array<{ type: string; status: string }> };
  const container = (pod.spec.containers as Array<{ ports?: FakePodInput["ports"] }>)[0];
  const input: FakePodInput = {
    name: pod.metadata.name,
    namespace: pod.metadata.namespace,
    phase: status.phase,
    ready: status.conditions.some((c) => c.type === "Ready" && c.status === "True"),
    terminating: pod.metadata.deletionTimestamp !== undefined,
  };
  if (pod.metadata.labels) input.labels = { ...pod.metadata.labels };
  if (pod.metadata.annotations) input.annotations = { ...pod.metadata.annotations };
  if (status.podIP) input.podIP = status.podIP;
  if (container?.ports) input.ports = container.ports.map((p) => ({ ...p }));
  return input;
}
