import { KubeConfig } from "@kubernetes/client-node";
import type { DiscoveryNode, DiscoveryProvider } from "@tsakt/discovery";
import { type KubernetesDiscoveryOptions, KubernetesDiscoveryProvider } from "@tsakt/discovery-k8s";
// vitest.shared.ts maps @tsakt/<name> to packages/<name>, so the tools/ package is reached by path.
import type { FakeKubernetesApi, KubeconfigCredentials } from "@tsakt/protocol-fakes";

export { type FakeKubernetesApi, startFakeKubernetesApi } from "@tsakt/protocol-fakes";

/** A KubeConfig whose current context is the fake API server over HTTPS (trusting its CA), with its default token unless `credentials` say otherwise. */
export function kubeConfigFor(api: FakeKubernetesApi, namespace?: string, credentials?: KubeconfigCredentials): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromString(api.kubeconfig({ ...(namespace === undefined ? {} : { namespace }), ...(credentials ? { credentials } : {}) }));
  return kc;
}

/** The pod a node runs in once it is up: Running, Ready, its IP and its remoting port, roles as an annotation. */
export function runningPodFor(node: DiscoveryNode, labels: Record<string, string>, portName = "remoting") {
  return {
    name: node.name,
    labels,
    phase: "Running" as const,
    podIP: node.host,
    ports: [{ name: portName, containerPort: node.port }],
    ...(node.roles && node.roles.length > 0 ? { annotations: { "tsakt.io/roles": node.roles.join(",") } } : {}),
  };
}

/**
 * In Kubernetes the pod is the registration: kubelet and the controllers make a pod appear, turn
 * Ready and go away, and the provider only reads that. For the conformance suite this wrapper
 * plays kubelet's part against the FAKE API server: register() brings the node's pod to
 * Running+Ready, deregister() deletes it gracefully (it terminates for a second, then goes). A node
 * registering again while its old pod still terminates gets a new pod of the same name, as a
 * StatefulSet would make once the old one is gone. Everything else is the real provider.
 */
export class PodBackedProvider implements DiscoveryProvider {
  readonly id: string;
  #self: DiscoveryNode | undefined;

  constructor(
    readonly inner: KubernetesDiscoveryProvider,
    private readonly api: FakeKubernetesApi,
    private readonly labels: Record<string, string>,
  ) {
    this.id = inner.id;
  }

  async register(self: DiscoveryNode): Promise<void> {
    await this.inner.register(self);
    const pod = runningPodFor(self, this.labels);
    const existing = this.api.pod(self.name);
    if (existing?.metadata.deletionTimestamp !== undefined) this.api.deletePod(self.name, { gracePeriodMs: 0 });
    if (this.api.pod(self.name)) this.api.updatePod(self.name, pod);
    else this.api.addPod(pod);
    this.#self = self;
  }

  discoverPeers(): Promise<DiscoveryNode[]> {
    return this.inner.discoverPeers();
  }

  async deregister(): Promise<void> {
    await this.inner.deregister();
    if (this.#self) this.api.deletePod(this.#self.name, { gracePeriodMs: 1000 });
    this.#self = undefined;
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}

/** Makes providers whose nodes' pods exist from the start but stay Pending (scheduled, not started) until register(). */
export function podBackedFactory(
  api: FakeKubernetesApi,
  labels: Record<string, string>,
  options: Partial<KubernetesDiscoveryOptions> = {},
) {
  const labelSelector = Object.entries(labels)
    .map(([k, v]) => `${k}=${v}`)
    .join(",");
  return (nodes: DiscoveryNode[]): PodBackedProvider => {
    for (const node of nodes) {
      if (!api.pod(node.name)) api.addPod({ name: node.name, labels, phase: "Pending" });
    }
    const inner = new KubernetesDiscoveryProvider({ kubeConfig: kubeConfigFor(api), labelSelector, ...options });
    return new PodBackedProvider(inner, api, labels);
  };
}
