export { defaultServiceAccountDir } from "./in-cluster.js";
export type { KubernetesDiscoveryOptions } from "./k8s-options.js";
export { serviceAccountNamespaceFile } from "./k8s-options.js";
export { KubernetesDiscoveryProvider } from "./k8s-provider.js";
