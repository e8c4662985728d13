import { setTimeout as sleep } from "node:timers/promises";
import type { CoreV1Api, KubeConfig } from "@kubernetes/client-node";
import { Watch } from "@kubernetes/client-node";
import type { PodLike } from "./pod-mapping.js";

/** What a PodCache lists and watches. */
export interface PodCacheOptions {
  kubeConfig: KubeConfig;
  api: CoreV1Api;
  namespace: string;
  labelSelector: string;
}

const minBackoffMs = 200;
const maxBackoffMs = 5000;
/** Asking the server to end each watch after a while bounds how long a silently dead connection can go unnoticed. */
const watchTimeoutSeconds = 300;

/**
 * The selected pods of one namespace, kept fresh the way client-go's reflector does:
 * list, then watch from the list's resourceVersion, and list again when the server
 * answers 410 Gone (the version was compacted) or the stream fails.
 */
export class PodCache {
  readonly #o: PodCacheOptions;
  readonly #watch: Watch;
  readonly #stop = new AbortController();
  readonly #pods = new Map<string, PodLike>();
  #resourceVersion = "";
  #synced = false;
  #request: AbortController | undefined;
  #loop: Promise<void> | undefined;
  /** How the last watch request went: open, refused by the server (401/403), or not known yet. */
  #watchState: { open: true } | { refused: Error } | undefined;
  #watchWaiters: Array<() => void> = [];

  constructor(options: PodCacheOptions) {
    this.#o = options;
    this.#watch = new Watch(options.kubeConfig);
  }

  /** Starts listing and watching once; later calls do nothing. */
  start(): void {
    this.#loop ??= this.#run();
  }

  /** The cached pods, or undefined while the cache is not known to be current (before the first list, after a failure). */
  pods(): PodLike[] | undefined {
    return this.#synced ? [...this.#pods.values()] : undefined;
  }

  /**
   * Resolves once a watch stream is open; rejects when the server refused the last watch request with
   * 401 or 403 (missing credentials or RBAC right), so a caller can report it instead of silently listing.
   */
  async watching(): Promise<void> {
    while (this.#watchState === undefined) await new Promise<void>((resolve) => this.#watchWaiters.push(resolve));
    if ("refused" in this.#watchState) throw this.#watchState.refused;
  }

  /** Ends the watch and waits for the loop to finish. */
  async stop(): Promise<void> {
    this.#stop.abort();
    this.#request?.abort();
    await this.#loop;
    this.#setWatchState({ refused: new Error("the pod cache was stopped") });
  }

  #setWatchState(state: { open: true } | { refused: Error } | undefined): void {
    this.#watchState = state;
    if (state === undefined) return;
    for (const wake of this.#watchWaiters.splice(0)) wake();
  }

  async #run(): Promise<void> {
    let backoff = minBackoffMs;
    while (!this.#stop.signal.aborted) {
      try {
        if (this.#resourceVersion === "") await this.#list();
        const started = Date.now();
        await this.#watchOnce();
        backoff = minBackoffMs;
        // A stream that ends at once without news would otherwise turn this loop into a busy one.
        if (this.#resourceVersion !== "" && Date.now() - started < 1000) await this.#pause(minBackoffMs);
      } catch (error) {
        if (this.#stop.signal.aborted) break;
        const statusCode = (error as { statusCode?: unknown } | null)?.statusCode;
        if (statusCode === 401 || statusCode === 403) this.#setWatchState({ refused: refusal(statusCode, error) });
        this.#synced = false;
        this.#resourceVersion = "";
        await this.#pause(backoff);
        backoff = Math.min(backoff * 2, maxBackoffMs);
      }
    }
    this.#synced = false;
  }

  async #list(): Promise<void> {
    const list = await this.#o.api.listNamespacedPod({ namespace: this.#o.namespace, labelSelector: this.#o.labelSelector });
    this.#pods.clear();
    for (const pod of list.items) {
      if (pod.metadata?.name) this.#pods.set(pod.metadata.name, pod);
    }
    this.#resourceVersion = list.metadata?.resourceVersion ?? "";
    this.#synced = true;
  }

  /** Applies one watch stream's events; resolves when the server ends the stream, rejects when it fails. */
  #watchOnce(): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const path = `/api/v1/namespaces/${encodeURIComponent(this.#o.namespace)}/pods`;
      const query = {
        labelSelector: this.#o.labelSelector,
        resourceVersion: this.#resourceVersion,
        allowWatchBookmarks: true,
        timeoutSeconds: watchTimeoutSeconds,
      };
      let failed = false;
      this.#watch
        .watch(
          path,
          query,
          (type: string, object: PodLike & { code?: number }) => this.#apply(type, object),
          (error: unknown) => {
            if (error) {
              failed = true;
              reject(error);
            } else resolve();
          },
        )
        .then((request) => {
          this.#request = request;
          // The client settles this promise after the response headers: without a failure, the stream is open.
          if (!failed) this.#setWatchState({ open: true });
          if (this.#stop.signal.aborted) request.abort();
        }, reject);
    });
  }

  #apply(type: string, object: PodLike & { code?: number }): void {
    const name = object.metadata?.name;
    switch (type) {
      case "ADDED":
      case "MODIFIED":
        if (name) this.#pods.set(name, object);
        break;
      case "DELETED":
        if (name) this.#pods.delete(name);
        break;
      case "ERROR":
        // 410 Gone: our resourceVersion was compacted away; the server ends the stream and we list again.
        // Other errors also end the stream; listing again is the safe recovery for both.
        this.#resourceVersion = "";
        return;
      case "BOOKMARK":
        break;
      default:
        return;
    }
    const version = object.metadata?.resourceVersion;
    if (version) this.#resourceVersion = version;
  }

  async #pause(ms: number): Promise<void> {
    try {
      await sleep(ms, undefined, { signal: this.#stop.signal });
    } catch {
      // Aborted by stop().
    }
  }
}

/** The error a refused watch becomes: the client's own error carries only the status, so name what was refused. */
function refusal(statusCode: 401 | 403, cause: unknown): Error {
  const hint =
    statusCode === 401
      ? "check the kubeconfig credentials"
      : "the service account needs RBAC permission to watch pods, or use watch: false";
  return Object.assign(new Error(`Kubernetes API answered ${statusCode} to the watch on pods (${hint})`, { cause }), { code: statusCode });
}
