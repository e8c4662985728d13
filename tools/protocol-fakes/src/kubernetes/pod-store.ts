import type { PodJson } from "./fake-pod.js";

/** A watch event type as the API server streams it. */
export type WatchEventType = "ADDED" | "MODIFIED" | "DELETED";

/** One change to one pod, at one resource version. */
export interface PodChange {
  resourceVersion: number;
  type: WatchEventType;
  /** The pod after the change (for DELETED: its last state, at the deletion's resource version). */
  pod: PodJson;
  /** The pod before the change; undefined for ADDED. */
  previous: PodJson | undefined;
}

type Subscriber = (change: PodChange) => void;

/**
 * What etcd plus the watch cache give the API server for pods: current objects,
 * a global resource version, and a bounded history that watches resume from.
 */
export class PodStore {
  readonly #pods = new Map<string, PodJson>();
  readonly #history: PodChange[] = [];
  readonly #subscribers = new Set<Subscriber>();
  #revision = 1000;
  /** Watches from a resource version below this have lost events and get 410 Gone. */
  #oldestResumable = 1000;

  constructor(private readonly historyLimit: number) {}

  get revision(): number {
    return this.#revision;
  }

  get oldestResumable(): number {
    return this.#oldestResumable;
  }

  nextRevision(): string {
    return String(this.#revision + 1);
  }

  get(namespace: string, name: string): PodJson | undefined {
    return this.#pods.get(`${namespace}/${name}`);
  }

  list(namespace?: string): PodJson[] {
    return [...this.#pods.values()]
      .filter((p) => namespace === undefined || p.metadata.namespace === namespace)
      .sort((a, b) => a.metadata.name.localeCompare(b.metadata.name));
  }

  /** Stores `pod` (built with resourceVersion = nextRevision()) and records the change. */
  put(pod: PodJson): PodChange {
    const key = `${pod.metadata.namespace}/${pod.metadata.name}`;
    const previous = this.#pods.get(key);
    this.#pods.set(key, pod);
    return this.#record({ resourceVersion: ++this.#revision, type: previous ? "MODIFIED" : "ADDED", pod, previous });
  }

  /** Removes a pod; returns its final state, or undefined when it did not exist. A terminating pod leaves with a grace period of 0, as kubelet deletes it. */
  delete(namespace: string, name: string): PodJson | undefined {
    const key = `${namespace}/${name}`;
    const previous = this.#pods.get(key);
    if (!previous) return undefined;
    this.#pods.delete(key);
    const revision = ++this.#revision;
    const metadata = { ...previous.metadata, resourceVersion: String(revision) };
    if (metadata.deletionTimestamp !== undefined) metadata.deletionGracePeriodSeconds = 0;
    const pod: PodJson = { ...previous, metadata };
    this.#record({ resourceVersion: revision, type: "DELETED", pod, previous });
    return pod;
  }

  /** Changes after `resourceVersion`, oldest first; undefined when some of them were already compacted away. */
  since(resourceVersion: number): PodChange[] | undefined {
    if (resourceVersion < this.#oldestResumable) return undefined;
    return this.#history.filter((c) => c.resourceVersion > resourceVersion);
  }

  /** Forgets all history (etcd compaction, or a restarted API server's fresh watch cache), so older resource versions can no longer be watched from. */
  compact(): void {
    this.#history.length = 0;
    this.#oldestResumable = this.#revision;
  }

  subscribe(subscriber: Subscriber): () => void {
    this.#subscribers.add(subscriber);
    return () => this.#subscribers.delete(subscriber);
  }

  #record(change: PodChange): PodChange {
    this.#history.push(change);
    while (this.#history.length > this.historyLimit) {
      const dropped = this.#history.shift();
      if (dropped) this.#oldestResumable = dropped.resourceVersion;
    }
    for (const subscriber of [...this.#subscribers]) subscriber(change);
    return change;
  }
}
