import { randomBytes } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { LoopbackServer, sendJson } from "../loopback-server.js";
import { buildPod, type FakePodInput, type PodJson, podInput } from "./fake-pod.js";
import { matchesSelector, parseLabelSelector, type Requirement, SelectorParseError } from "./label-selector.js";
import { type PodChange, PodStore } from "./pod-store.js";

/** Options of the FAKE Kubernetes API server. */
export interface FakeKubernetesApiOptions {
  /** Port to bind on 127.0.0.1. Default: 0 (a random free port). */
  port?: number;
  /** Bearer token every request must carry; the emitted kubeconfig carries it. Default: a random token. */
  token?: string;
  /** How many pod changes watches can resume from before older versions answer 410 Gone. Default: 1000. */
  historyLimit?: number;
}

/** A running FAKE Kubernetes API server (pods only, plain http, in-memory "etcd"). */
export interface FakeKubernetesApi {
  /** "http://127.0.0.1:<port>". */
  readonly url: string;
  readonly port: number;
  readonly token: string;
  /** Watch streams currently open. */
  readonly activeWatches: number;
  /** List (not watch) requests served so far, to tell a cache from repeated listing. */
  readonly listRequests: number;
  /** A kubeconfig (YAML) whose current context points at this server; `namespace` sets the context namespace. */
  kubeconfig(options?: { namespace?: string }): string;
  /** Creates a pod (emits ADDED); throws if it already exists. */
  addPod(input: FakePodInput): PodJson;
  /** Changes a pod (emits MODIFIED); fields not given keep their values, and a phase change re-derives readiness unless `ready` is given. */
  updatePod(name: string, changes: Partial<Omit<FakePodInput, "name" | "namespace">>, namespace?: string): PodJson;
  /** Deletes a pod (emits DELETED); false when it did not exist. */
  deletePod(name: string, namespace?: string): boolean;
  pod(name: string, namespace?: string): PodJson | undefined;
  pods(namespace?: string): PodJson[];
  /** Drops the event history (as etcd compaction does): watches from older resource versions get 410 Gone. */
  compactHistory(): void;
  /** Ends every open watch stream normally, as the server does when a watch's timeout runs out. */
  endWatches(): void;
  /** Restarts the server on the same port: open watches drop, stored pods survive (they live in etcd). */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

function status(code: number, reason: string, message: string): Record<string, unknown> {
  return { kind: "Status", apiVersion: "v1", metadata: {}, status: "Failure", message, reason, code };
}

function labelsOf(pod: PodJson | undefined): Record<string, string> {
  return pod?.metadata.labels ?? {};
}

/** How one stored change looks through a watch on `namespace` with `selector` (label changes turn into ADDED/DELETED). */
function viewOf(change: PodChange, namespace: string, selector: readonly Requirement[]): { type: string; object: PodJson } | undefined {
  if (change.pod.metadata.namespace !== namespace) return undefined;
  const before = change.previous !== undefined && matchesSelector(selector, labelsOf(change.previous));
  const after = change.type !== "DELETED" && matchesSelector(selector, labelsOf(change.pod));
  if (change.type === "DELETED") return before ? { type: "DELETED", object: change.pod } : undefined;
  if (before && after) return { type: "MODIFIED", object: change.pod };
  if (after) return { type: "ADDED", object: change.pod };
  if (before) return { type: "DELETED", object: change.pod };
  return undefined;
}

class KubernetesApiFake implements FakeKubernetesApi {
  readonly token: string;
  readonly #server: LoopbackServer;
  readonly #store: PodStore;
  /** Open watch streams and how to end each one. */
  readonly #watches = new Map<ServerResponse, () => void>();
  #lists = 0;

  constructor(options: FakeKubernetesApiOptions) {
    this.token = options.token ?? randomBytes(16).toString("hex");
    this.#store = new PodStore(options.historyLimit ?? 1000);
    this.#server = new LoopbackServer((req, res, url) => this.#handle(req, res, url), options.port ?? 0);
  }

  get port(): number {
    return this.#server.port;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  get activeWatches(): number {
    return this.#watches.size;
  }

  get listRequests(): number {
    return this.#lists;
  }

  async start(): Promise<void> {
    await this.#server.start();
  }

  kubeconfig(options: { namespace?: string } = {}): string {
    // @kubernetes/client-node refuses a plain-http server unless the cluster skips TLS verification.
    return [
      "apiVersion: v1",
      "kind: Config",
      "clusters:",
      "- name: fake-kubernetes",
      "  cluster:",
      `    server: ${this.url}`,
      "    insecure-skip-tls-verify: true",
      "users:",
      "- name: fake-user",
      "  user:",
      `    token: ${this.token}`,
      "contexts:",
      "- name: fake",
      "  context:",
      "    cluster: fake-kubernetes",
      "    user: fake-user",
      ...(options.namespace ? [`    namespace: ${options.namespace}`] : []),
      "current-context: fake",
      "",
    ].join("\n");
  }

  addPod(input: FakePodInput): PodJson {
    const namespace = input.namespace ?? "default";
    if (this.#store.get(namespace, input.name)) throw new Error(`pods "${input.name}" already exists`);
    return this.#store.put(buildPod(input, this.#store.nextRevision())).pod;
  }

  updatePod(name: string, changes: Partial<Omit<FakePodInput, "name" | "namespace">>, namespace = "default"): PodJson {
    const current = this.#store.get(namespace, name);
    if (!current) throw new Error(`pods "${name}" not found`);
    const merged: FakePodInput = { ...podInput(current), ...changes };
    if (changes.phase !== undefined && changes.ready === undefined) delete merged.ready;
    return this.#store.put(buildPod(merged, this.#store.nextRevision(), current)).pod;
  }

  deletePod(name: string, namespace = "default"): boolean {
    return this.#store.delete(namespace, name) !== undefined;
  }

  pod(name: string, namespace = "default"): PodJson | undefined {
    return this.#store.get(namespace, name);
  }

  pods(namespace?: string): PodJson[] {
    return this.#store.list(namespace);
  }

  compactHistory(): void {
    this.#store.compact();
  }

  endWatches(): void {
    for (const end of [...this.#watches.values()]) end();
  }

  async restart(): Promise<void> {
    await this.stop();
    await this.#server.start();
  }

  async stop(): Promise<void> {
    for (const res of this.#watches.keys()) res.destroy();
    this.#watches.clear();
    await this.#server.stop();
  }

  #handle(req: IncomingMessage, res: ServerResponse, url: URL): void {
    if (req.headers.authorization !== `Bearer ${this.token}`) {
      sendJson(res, 401, status(401, "Unauthorized", "Unauthorized"));
      return;
    }
    const match = /^\/api\/v1\/namespaces\/([^/]+)\/pods(?:\/([^/]+))?$/.exec(url.pathname);
    if (!match) {
      sendJson(res, 404, status(404, "NotFound", "the server could not find the requested resource"));
      return;
    }
    if (req.method !== "GET") {
      sendJson(res, 405, status(405, "MethodNotAllowed", `the fake Kubernetes API serves only GET on pods, not ${req.method}`));
      return;
    }
    const namespace = decodeURIComponent(match[1] ?? "");
    const name = match[2] === undefined ? undefined : decodeURIComponent(match[2]);
    if (name !== undefined) {
      const pod = this.#store.get(namespace, name);
      if (pod) sendJson(res, 200, pod);
      else sendJson(res, 404, status(404, "NotFound", `pods "${name}" not found`));
      return;
    }
    const q = url.searchParams;
    if (q.has("fieldSelector") && q.get("fieldSelector") !== "") {
      sendJson(res, 400, status(400, "BadRequest", "the fake Kubernetes API does not implement fieldSelector"));
      return;
    }
    let selector: Requirement[];
    try {
      selector = parseLabelSelector(q.get("labelSelector") ?? "");
    } catch (err) {
      if (!(err instanceof SelectorParseError)) throw err;
      sendJson(res, 400, status(400, "BadRequest", err.message));
      return;
    }
    const watch = ["true", "1"].includes(q.get("watch") ?? "");
    if (watch) this.#watch(namespace, selector, q, res);
    else this.#list(namespace, selector, res);
  }

  #list(namespace: string, selector: readonly Requirement[], res: ServerResponse): void {
    this.#lists++;
    const items = this.#store
      .list(namespace)
      .filter((p) => matchesSelector(selector, labelsOf(p)))
      // List items carry no kind/apiVersion on the wire; the list does.
      .map(({ kind: _kind, apiVersion: _apiVersion, ...rest }) => rest);
    sendJson(res, 200, { kind: "PodList", apiVersion: "v1", metadata: { resourceVersion: String(this.#store.revision) }, items });
  }

  #watch(namespace: string, selector: readonly Requirement[], q: URLSearchParams, res: ServerResponse): void {
    const from = q.get("resourceVersion") ?? "";
    if (from !== "" && !/^\d+$/.test(from)) {
      sendJson(res, 400, status(400, "BadRequest", `invalid resource version: ${from}`));
      return;
    }
    res.writeHead(200, { "Content-Type": "application/json", "Cache-Control": "no-cache, private" });
    res.flushHeaders();
    const send = (type: string, object: unknown): void => {
      if (!res.destroyed && !res.writableEnded) res.write(`${JSON.stringify({ type, object })}\n`);
    };

    if (from === "" || from === "0") {
      // "Start at most recent": synthetic ADDED events for what exists now.
      for (const pod of this.#store.list(namespace)) {
        if (matchesSelector(selector, labelsOf(pod))) send("ADDED", pod);
      }
    } else {
      const backlog = this.#store.since(Number(from));
      if (backlog === undefined) {
        send("ERROR", status(410, "Expired", `too old resource version: ${from} (${this.#store.oldestResumable})`));
        res.end();
        return;
      }
      for (const change of backlog) {
        const view = viewOf(change, namespace, selector);
        if (view) send(view.type, view.object);
      }
    }

    const unsubscribe = this.#store.subscribe((change) => {
      const view = viewOf(change, namespace, selector);
      if (view) send(view.type, view.object);
    });
    const timeoutSeconds = Number(q.get("timeoutSeconds") ?? "0");
    const timer = timeoutSeconds > 0 ? setTimeout(() => end(), timeoutSeconds * 1000) : undefined;
    // Ending detaches from the store at once, so no event can be written after the stream's end.
    const end = (): void => {
      if (timer) clearTimeout(timer);
      unsubscribe();
      this.#watches.delete(res);
      if (!res.writableEnded) res.end();
    };
    this.#watches.set(res, end);
    res.on("close", end);
  }
}

/** Starts a FAKE Kubernetes API server (not a real one) serving pod list and watch on 127.0.0.1. */
export async function startFakeKubernetesApi(options: FakeKubernetesApiOptions = {}): Promise<FakeKubernetesApi> {
  const api = new KubernetesApiFake(options);
  await api.start();
  return api;
}
