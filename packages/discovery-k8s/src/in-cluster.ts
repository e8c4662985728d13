import { existsSync, readFileSync } from "node:fs";
import { isIPv6 } from "node:net";
import { join } from "node:path";
import { KubeConfig } from "@kubernetes/client-node";

/** Where Kubernetes mounts a pod's service account: token, ca.crt and namespace. */
export const defaultServiceAccountDir = "/var/run/secrets/kubernetes.io/serviceaccount";

/** True when this process runs in a pod with a mounted service account: KUBERNETES_SERVICE_HOST is set and the token file exists. */
export function runsInCluster(serviceAccountDir: string, env: NodeJS.ProcessEnv = process.env): boolean {
  return Boolean(env.KUBERNETES_SERVICE_HOST) && existsSync(join(serviceAccountDir, "token"));
}

/** The namespace file of the mounted service account, trimmed; undefined when absent or empty. */
export function serviceAccountNamespace(serviceAccountDir: string): string | undefined {
  try {
    return readFileSync(join(serviceAccountDir, "namespace"), "utf8").trim() || undefined;
  } catch {
    return undefined;
  }
}

/**
 * Cluster access from inside a pod: the API server at KUBERNETES_SERVICE_HOST:KUBERNETES_SERVICE_PORT over
 * HTTPS, trusting the mounted ca.crt, authenticating with the mounted token (re-read as it rotates).
 */
export function inClusterKubeConfig(serviceAccountDir: string, env: NodeJS.ProcessEnv = process.env): KubeConfig {
  const host = env.KUBERNETES_SERVICE_HOST ?? "";
  const port = env.KUBERNETES_SERVICE_PORT || "443";
  const kc = new KubeConfig();
  const namespace = serviceAccountNamespace(serviceAccountDir);
  kc.loadFromOptions({
    clusters: [
      { name: "in-cluster", server: `https://${isIPv6(host) ? `[${host}]` : host}:${port}`, caFile: join(serviceAccountDir, "ca.crt") },
    ],
    users: [{ name: "in-cluster", authProvider: { name: "tokenFile", config: { tokenFile: join(serviceAccountDir, "token") } } }],
    contexts: [{ name: "in-cluster", cluster: "in-cluster", user: "in-cluster", ...(namespace ? { namespace } : {}) }],
    currentContext: "in-cluster",
  });
  return kc;
}

/**
 * The cluster access used when none is given, in controller-runtime's order: the files in KUBECONFIG,
 * else the pod's service account (in cluster), else ~/.kube/config.
 */
export function defaultKubeConfig(serviceAccountDir: string, env: NodeJS.ProcessEnv = process.env): KubeConfig {
  if (!env.KUBECONFIG && runsInCluster(serviceAccountDir, env)) return inClusterKubeConfig(serviceAccountDir, env);
  const kc = new KubeConfig();
  kc.loadFromDefault();
  return kc;
}
