import { CoreV1Api, KubeConfig } from "@kubernetes/client-node";
import { InvalidConfigError, validateDurationMs } from "@tsakt/discovery";
import { defaultKubeConfig, defaultServiceAccountDir, serviceAccountNamespace } from "./in-cluster.js";
import { validateLabelSelector } from "./label-selector.js";

/** Where Kubernetes mounts the pod's own namespace for its service account. */
export const serviceAccountNamespaceFile = `${defaultServiceAccountDir}/namespace`;

/** Options of KubernetesDiscoveryProvider. */
export interface KubernetesDiscoveryOptions {
  /** Label selector matching the cluster's pods, e.g. "app.kubernetes.io/name=orders". Required. */
  labelSelector: string;
  /** Namespace to look in. Default: the kubeconfig context's namespace, else the service account's namespace file, else "default". */
  namespace?: string;
  /** Name of the container port TsAkt remoting listens on. Default: "remoting". */
  portName?: string;
  /** Cluster access. Default: the files in KUBECONFIG, else the pod's service account (in cluster), else ~/.kube/config. */
  kubeConfig?: KubeConfig;
  /** Where the pod's service account is mounted (token, ca.crt, namespace), for in-cluster access and the namespace default. Default: "/var/run/secrets/kubernetes.io/serviceaccount". */
  serviceAccountDir?: string;
  /** A CoreV1Api you already have; used for listing instead of one built from kubeConfig. Default: kubeConfig.makeApiClient(CoreV1Api). */
  api?: CoreV1Api;
  /** Keep a list+watch cache so discoverPeers answers without a request; needs kubeConfig (a CoreV1Api alone cannot stream). Default: false. */
  watch?: boolean;
  /** Only pods whose Ready condition is True count as peers. Default: true. */
  requireReady?: boolean;
  /** Pod annotation holding the node's roles, comma-separated. Default: "tsakt.io/roles". */
  rolesAnnotation?: string;
  /** Timeout of each list request in milliseconds. Default: 10000. */
  requestTimeoutMs?: number;
}

/** Options after defaults and validation. */
export interface ResolvedKubernetesOptions {
  labelSelector: string;
  namespace: string;
  portName: string;
  kubeConfig: KubeConfig | undefined;
  api: CoreV1Api;
  watch: boolean;
  requireReady: boolean;
  rolesAnnotation: string;
  requestTimeoutMs: number;
}

const knownOptions = new Set([
  "labelSelector",
  "namespace",
  "portName",
  "kubeConfig",
  "serviceAccountDir",
  "api",
  "watch",
  "requireReady",
  "rolesAnnotation",
  "requestTimeoutMs",
]);
const dns1123Label = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
/** IANA_SVC_NAME, the rule for container port names: 1-15 lowercase letters, digits and single inner dashes, with a letter. */
const portNamePattern = /^(?=.*[a-z])(?!.*--)[a-z0-9]([-a-z0-9]{0,13}[a-z0-9])?$/;

function boolean(value: unknown, field: string, fallback: boolean): boolean {
  if (value === undefined) return fallback;
  if (typeof value !== "boolean") throw new InvalidConfigError(field, `must be true or false, got ${String(value)}`);
  return value;
}

function defaultNamespace(kubeConfig: KubeConfig | undefined, serviceAccountDir: string): string {
  const fromContext = kubeConfig?.getContextObject(kubeConfig.getCurrentContext())?.namespace;
  return fromContext || serviceAccountNamespace(serviceAccountDir) || "default";
}

/** client-node's answer when it found no configuration at all: a plain-http localhost:8080 that nothing serves. */
function isNoConfig(kc: KubeConfig): boolean {
  return kc.getCurrentCluster()?.server === "http://localhost:8080" && kc.getCurrentUser()?.name === "user";
}

/** Validates options and applies defaults; throws InvalidConfigError naming the first bad field. */
export function resolveKubernetesOptions(options: KubernetesDiscoveryOptions | undefined): ResolvedKubernetesOptions {
  const o = (options ?? {}) as unknown as Record<string, unknown>;
  if (typeof o !== "object" || Array.isArray(o)) throw new InvalidConfigError("options", "must be an object");
  for (const key of Object.keys(o)) {
    if (!knownOptions.has(key))
      throw new InvalidConfigError(key, `is not an option of KubernetesDiscoveryProvider (known: ${[...knownOptions].join(", ")})`);
  }
  const labelSelector = validateLabelSelector(o.labelSelector, "labelSelector");
  const portName = o.portName ?? "remoting";
  if (typeof portName !== "string" || !portNamePattern.test(portName)) {
    throw new InvalidConfigError(
      "portName",
      `must be a container port name (1-15 lowercase letters, digits and "-", with a letter), got ${JSON.stringify(portName)}`,
    );
  }
  const rolesAnnotation = o.rolesAnnotation ?? "tsakt.io/roles";
  if (typeof rolesAnnotation !== "string" || rolesAnnotation.length === 0)
    throw new InvalidConfigError("rolesAnnotation", "must be a non-empty annotation key");
  const watch = boolean(o.watch, "watch", false);
  const requireReady = boolean(o.requireReady, "requireReady", true);
  const requestTimeoutMs = validateDurationMs(o.requestTimeoutMs, "requestTimeoutMs", 10_000);

  if (o.kubeConfig !== undefined && !(o.kubeConfig instanceof KubeConfig))
    throw new InvalidConfigError("kubeConfig", "must be a KubeConfig from @kubernetes/client-node");
  if (o.api !== undefined && typeof (o.api as Partial<CoreV1Api> | null)?.listNamespacedPod !== "function") {
    throw new InvalidConfigError("api", "must be a CoreV1Api from @kubernetes/client-node (kubeConfig.makeApiClient(CoreV1Api))");
  }
  if (watch && o.api !== undefined && o.kubeConfig === undefined) {
    throw new InvalidConfigError("watch", "needs kubeConfig as well: a CoreV1Api alone cannot stream watch events");
  }
  const serviceAccountDir = o.serviceAccountDir ?? defaultServiceAccountDir;
  if (typeof serviceAccountDir !== "string" || serviceAccountDir === "")
    throw new InvalidConfigError("serviceAccountDir", "must be the directory where the service account is mounted");
  let kubeConfig = o.kubeConfig as KubeConfig | undefined;
  if (kubeConfig === undefined && o.api === undefined) {
    const noneFound = "was not given and none could be loaded from KUBECONFIG, the pod's service account or ~/.kube/config";
    try {
      kubeConfig = defaultKubeConfig(serviceAccountDir);
    } catch (error) {
      throw new InvalidConfigError("kubeConfig", noneFound, { cause: error });
    }
    if (isNoConfig(kubeConfig)) throw new InvalidConfigError("kubeConfig", noneFound);
  }
  let api = o.api as CoreV1Api | undefined;
  if (api === undefined) {
    try {
      api = kubeConfig!.makeApiClient(CoreV1Api);
    } catch (error) {
      throw new InvalidConfigError("kubeConfig", "has no current cluster to talk to", { cause: error });
    }
  }
  const namespace = o.namespace ?? defaultNamespace(kubeConfig, serviceAccountDir);
  if (typeof namespace !== "string" || !dns1123Label.test(namespace)) {
    throw new InvalidConfigError(
      "namespace",
      `must be a namespace name (lowercase letters, digits and "-", at most 63), got ${JSON.stringify(namespace)}`,
    );
  }
  return { labelSelector, namespace, portName, kubeConfig, api, watch, requireReady, rolesAnnotation, requestTimeoutMs };
}
