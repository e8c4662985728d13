import { type DiscoveryNode, type DiscoveryProvider, DiscoveryUnavailableError, ProviderClosedError, validateNode } from "@tsakt/discovery";
import { describeApiError } from "./api-errors.js";
import { type KubernetesDiscoveryOptions, type ResolvedKubernetesOptions, resolveKubernetesOptions } from "./k8s-options.js";
import { PodCache } from "./pod-cache.js";
import { nodeFromPod, type PodLike, type PodMappingRules } from "./pod-mapping.js";

/**
 * Discovery of the Running, Ready pods that match a label selector in one namespace.
 * In Kubernetes the pod is the registration: register() only records which node is this one.
 */
export class KubernetesDiscoveryProvider implements DiscoveryProvider {
  /** Always "k8s". */
  readonly id = "k8s";
  readonly #o: ResolvedKubernetesOptions;
  readonly #rules: PodMappingRules;
  readonly #cache: PodCache | undefined;
  #self: DiscoveryNode | undefined;
  #closing: Promise<void> | undefined;

  /** Validates `options` and resolves the namespace and API client; throws InvalidConfigError naming the bad field. */
  constructor(options: KubernetesDiscoveryOptions) {
    this.#o = resolveKubernetesOptions(options);
    this.#rules = { portName: this.#o.portName, requireReady: this.#o.requireReady, rolesAnnotation: this.#o.rolesAnnotation };
    this.#cache =
      this.#o.watch && this.#o.kubeConfig
        ? new PodCache({
            kubeConfig: this.#o.kubeConfig,
            api: this.#o.api,
            namespace: this.#o.namespace,
            labelSelector: this.#o.labelSelector,
          })
        : undefined;
  }

  /** The namespace this provider looks in, after defaults. */
  get namespace(): string {
    return this.#o.namespace;
  }

  /**
   * Records `self` so discoverPeers leaves it out (by name, which should be the pod name, and by
   * address), and checks that the API answers and allows listing pods (and, with watch, watching them).
   */
  async register(self: DiscoveryNode): Promise<void> {
    this.#ensureOpen("register");
    const node = validateNode(self);
    this.#cache?.start();
    await this.#list("register");
    if (this.#cache) await this.#watchOpened(this.#cache);
    this.#ensureOpen("register");
    this.#self = node;
  }

  /** Returns the nodes of the selected pods that can take traffic, except this node, sorted by name. */
  async discoverPeers(): Promise<DiscoveryNode[]> {
    this.#ensureOpen("discoverPeers");
    this.#cache?.start();
    const pods = this.#cache?.pods() ?? (await this.#list("discoverPeers"));
    const self = this.#self;
    return pods
      .map((pod) => nodeFromPod(pod, this.#rules))
      .filter((n): n is DiscoveryNode => n !== undefined)
      .filter((n) => self === undefined || (n.name !== self.name && !(n.host === self.host && n.port === self.port)))
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  /** Forgets `self`; peers stop seeing this node when its pod stops being Ready or is deleted. */
  async deregister(): Promise<void> {
    this.#ensureOpen("deregister");
    this.#self = undefined;
  }

  /** Closes the provider, as close(): `await using provider = new …`. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  /** Ends the watch, if any; idempotent. The KubeConfig and CoreV1Api are left as they are. */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      await this.#cache?.stop();
    })();
    return this.#closing;
  }

  async #list(operation: string): Promise<PodLike[]> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`no answer from the Kubernetes API within ${this.#o.requestTimeoutMs} ms`)),
        this.#o.requestTimeoutMs,
      );
    });
    const request = this.#o.api.listNamespacedPod({ namespace: this.#o.namespace, labelSelector: this.#o.labelSelector });
    // A request that loses the race still settles later; its rejection must not go unhandled.
    request.catch(() => undefined);
    try {
      const list = await Promise.race([request, timeout]);
      return list.items;
    } catch (error) {
      throw new DiscoveryUnavailableError(this.id, operation, describeApiError(error));
    } finally {
      clearTimeout(timer);
    }
  }

  /** Waits for the cache's watch to open, so a missing watch right fails register() instead of degrading to listing. */
  async #watchOpened(cache: PodCache): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`no watch stream from the Kubernetes API within ${this.#o.requestTimeoutMs} ms`)),
        this.#o.requestTimeoutMs,
      );
    });
    try {
      await Promise.race([cache.watching(), timeout]);
    } catch (error) {
      // close() during register stops the cache; that is a closed provider, not an unavailable API.
      this.#ensureOpen("register");
      throw new DiscoveryUnavailableError(this.id, "register", error);
    } finally {
      clearTimeout(timer);
    }
  }

  #ensureOpen(operation: string): void {
    if (this.#closing !== undefined) throw new ProviderClosedError(this.id, operation);
  }
}
