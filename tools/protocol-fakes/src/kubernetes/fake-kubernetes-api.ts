import type { IncomingMessage, ServerResponse } from "node:http";
import { LoopbackServer, sendJson, sendText } from "../loopback-server.js";
import { createTestCertificateAuthority, type PemPair, type TestCertificateAuthority } from "../tls/test-pki.js";
import { AccessControl, allPodVerbs, type PodGrant } from "./access-control.js";
import { forbidden, pathNotFound, status, unauthorized } from "./api-status.js";
import { coreV1ResourcesDocument, coreVersionsDocument, groupListDocument, versionDocument } from "./discovery-documents.js";
import { buildPod, type FakePodInput, type PodJson, podInput } from "./fake-pod.js";
import { type KubeconfigCredentials, renderKubeconfig } from "./kubeconfig.js";
import { PodRequests } from "./pod-requests.js";
import { PodStore } from "./pod-store.js";

/** Options of the FAKE Kubernetes API server. */
export interface FakeKubernetesApiOptions {
  /** Port to bind on 127.0.0.1. Default: 0 (a random free port). */
  port?: number;
  /** Token of the default service account (default:tsakt, may get, list, watch and delete pods everywhere). Default: a random token. */
  token?: string;
  /** How many pod changes watches can resume from before older versions answer 410 Gone. Default: 1000. */
  historyLimit?: number;
  /** How often a watch that allows bookmarks gets one, kube-apiserver's bookmarkFrequency. Default: 60000. */
  bookmarkIntervalMs?: number;
  /** How long a get or list with a resource version ahead of the server waits before its 504. Default: 3000 (kube-apiserver's blockTimeout). */
  tooLargeResourceVersionWaitMs?: number;
  /** A watch without timeoutSeconds ends after a random time between this and twice this, like --min-request-timeout. Default: 1800. */
  minRequestTimeoutSeconds?: number;
}

/** What `deletePod` does: the namespace and how long the pod terminates before it is gone. */
export interface DeletePodOptions {
  /** Default: "default". */
  namespace?: string;
  /** Time from the MODIFIED event that sets deletionTimestamp to the DELETED event; 0 deletes at once (like --grace-period=0 --force). Default: the pod's terminationGracePeriodSeconds (30 s). */
  gracePeriodMs?: number;
}

/** A running FAKE Kubernetes API server (pods only, HTTPS with a CA made at start, in-memory "etcd"). */
export interface FakeKubernetesApi {
  /** "https://127.0.0.1:<port>". */
  readonly url: string;
  readonly port: number;
  /** Bearer token of the default service account "system:serviceaccount:default:tsakt". */
  readonly token: string;
  /** The CA certificate (PEM) that signed the server's certificate and the client certificates; clients trust it. */
  readonly caCertificate: string;
  /** Watch streams currently open. */
  readonly activeWatches: number;
  /** List (not watch) requests served so far, to tell a cache from repeated listing. */
  readonly listRequests: number;
  /** BOOKMARK events sent so far. */
  readonly bookmarksSent: number;
  /** A kubeconfig (YAML) trusting the fake's CA, authenticating with `credentials` (default: the default token); `namespace` sets the context namespace. */
  kubeconfig(options?: { namespace?: string; credentials?: KubeconfigCredentials }): string;
  /** Creates a service account and returns its bearer token; its pod grant defaults to get, list and watch in every namespace. */
  serviceAccountToken(options?: { namespace?: string; name?: string } & PodGrant): string;
  /** Issues a client certificate (CN = user, O = groups) signed by the fake's CA, and grants `user` the pod verbs given. */
  clientCertificate(options: { user: string; groups?: readonly string[] } & PodGrant): Promise<PemPair>;
  /** Creates a pod (emits ADDED); throws if it already exists. */
  addPod(input: FakePodInput): PodJson;
  /** Changes a pod (emits MODIFIED); fields not given keep their values, and a phase change re-derives readiness unless `ready` is given. */
  updatePod(name: string, changes: Partial<Omit<FakePodInput, "name" | "namespace">>, namespace?: string): PodJson;
  /** Deletes a pod gracefully (MODIFIED with deletionTimestamp, DELETED after the grace period); false when it did not exist. */
  deletePod(name: string, options?: DeletePodOptions): boolean;
  pod(name: string, namespace?: string): PodJson | undefined;
  pods(namespace?: string): PodJson[];
  /** Drops the event history (as etcd compaction does): watches from older resource versions get 410 Gone. */
  compactHistory(): void;
  /** Ends every open watch stream normally, as the server does when a watch's timeout runs out. */
  endWatches(): void;
  /** Restarts the server on the same port: open watches drop, pods survive (they live in etcd), and the watch history is gone. */
  restart(): Promise<void>;
  /** Stops listening and drops every connection; pods and pending deletions are kept for start(). */
  stop(): Promise<void>;
  /** Listens again on the same port, with a fresh watch cache (no history) like a restarted API server. */
  start(): Promise<void>;
}

const defaultServiceAccount = { namespace: "default", name: "tsakt" };

class KubernetesApiFake implements FakeKubernetesApi {
  readonly token: string;
  readonly #ca: TestCertificateAuthority;
  readonly #server: LoopbackServer;
  readonly #store: PodStore;
  readonly #access = new AccessControl();
  readonly #pods: PodRequests;
  /** Pods being deleted gracefully: when each is due to go, and its timer. */
  readonly #terminations = new Map<string, { dueAt: number; timer: NodeJS.Timeout }>();
  #startedOnce = false;

  constructor(options: FakeKubernetesApiOptions, ca: TestCertificateAuthority, serverCert: PemPair) {
    this.#ca = ca;
    this.#store = new PodStore(options.historyLimit ?? 1000);
    this.token = this.#access.addServiceAccount(
      defaultServiceAccount.namespace,
      defaultServiceAccount.name,
      { verbs: allPodVerbs },
      options.token,
    );
    this.#pods = new PodRequests(this.#store, this.#access, {
      bookmarkIntervalMs: options.bookmarkIntervalMs ?? 60_000,
      tooLargeResourceVersionWaitMs: options.tooLargeResourceVersionWaitMs ?? 3000,
      minRequestTimeoutSeconds: options.minRequestTimeoutSeconds ?? 1800,
      deletePod: (name, namespace, gracePeriodMs) => this.#delete(name, namespace, gracePeriodMs),
    });
    this.#server = new LoopbackServer((req, res, url) => this.#handle(req, res, url), options.port ?? 0, {
      key: serverCert.key,
      cert: serverCert.cert,
      ca: [ca.cert],
      // Like kube-apiserver: ask for a client certificate, verify it if one comes, accept requests without one.
      requestCert: true,
      rejectUnauthorized: false,
    });
  }

  get port(): number {
    return this.#server.port;
  }

  get url(): string {
    return `https://127.0.0.1:${this.port}`;
  }

  get caCertificate(): string {
    return this.#ca.cert;
  }

  get activeWatches(): number {
    return this.#pods.activeWatches;
  }

  get listRequests(): number {
    return this.#pods.listRequests;
  }

  get bookmarksSent(): number {
    return this.#pods.bookmarksSent;
  }

  kubeconfig(options: { namespace?: string; credentials?: KubeconfigCredentials } = {}): string {
    return renderKubeconfig({
      server: this.url,
      caCert: this.#ca.cert,
      credentials: options.credentials ?? { token: this.token },
      ...(options.namespace ? { namespace: options.namespace } : {}),
    });
  }

  serviceAccountToken(options: { namespace?: string; name?: string } & PodGrant = {}): string {
    const { namespace = "default", name = `sa-${Math.random().toString(36).slice(2, 8)}`, ...grant } = options;
    return this.#access.addServiceAccount(namespace, name, grant);
  }

  async clientCertificate(options: { user: string; groups?: readonly string[] } & PodGrant): Promise<PemPair> {
    const { user, groups = [], ...grant } = options;
    const pair = await this.#ca.issue({ commonName: user, organizations: groups, usage: "client" });
    this.#access.grant(user, grant);
    return pair;
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

  deletePod(name: string, options: DeletePodOptions = {}): boolean {
    return this.#delete(name, options.namespace ?? "default", options.gracePeriodMs) !== undefined;
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
    this.#pods.endWatches();
  }

  async start(): Promise<void> {
    if (this.#server.running) return;
    // A restarted API server builds its watch cache from a fresh list: no history before now.
    if (this.#startedOnce) this.#store.compact();
    this.#startedOnce = true;
    await this.#server.start();
  }

  async restart(): Promise<void> {
    await this.#stopServer();
    await this.start();
  }

  async stop(): Promise<void> {
    for (const { timer } of this.#terminations.values()) clearTimeout(timer);
    this.#terminations.clear();
    await this.#stopServer();
  }

  async #stopServer(): Promise<void> {
    this.#pods.dropWatches();
    await this.#server.stop();
  }

  /**
   * Graceful deletion as the API server and kubelet do it: the pod gets deletionTimestamp (MODIFIED)
   * and goes (DELETED) when the grace period ends. A later delete may shorten the grace, never extend it.
   * Returns the pod's state after the call, or undefined when it does not exist.
   */
  #delete(name: string, namespace: string, gracePeriodMs: number | undefined): PodJson | undefined {
    const current = this.#store.get(namespace, name);
    if (!current) return undefined;
    const key = `${namespace}/${name}`;
    const graceMs = Math.max(0, gracePeriodMs ?? Number(current.spec.terminationGracePeriodSeconds ?? 30) * 1000);
    const pending = this.#terminations.get(key);
    if (graceMs === 0) {
      if (pending) clearTimeout(pending.timer);
      this.#terminations.delete(key);
      return this.#store.delete(namespace, name);
    }
    const dueAt = Date.now() + graceMs;
    if (pending && pending.dueAt <= dueAt) return current;
    if (pending) clearTimeout(pending.timer);
    const graceSeconds = Math.ceil(graceMs / 1000);
    const marked: PodJson = {
      ...current,
      metadata: {
        ...current.metadata,
        resourceVersion: this.#store.nextRevision(),
        deletionTimestamp: new Date(Date.now() + graceSeconds * 1000).toISOString().replace(/\.\d+Z$/, "Z"),
        deletionGracePeriodSeconds: graceSeconds,
      },
    };
    const timer = setTimeout(() => {
      this.#terminations.delete(key);
      this.#store.delete(namespace, name);
    }, graceMs);
    timer.unref();
    this.#terminations.set(key, { dueAt, timer });
    return this.#store.put(marked).pod;
  }

  async #handle(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const authentication = this.#access.authenticate(req);
    if ("rejected" in authentication) {
      sendJson(res, 401, unauthorized());
      return;
    }
    const user = authentication.user;
    const path = url.pathname;
    const document = this.#nonResource(path);
    if (document !== undefined) {
      if (req.method !== "GET")
        sendJson(res, 405, status(405, "MethodNotAllowed", "the server does not allow this method on the requested resource"));
      else if (!this.#access.mayGetPath(user, path)) sendJson(res, 403, forbidden(user.name, "get", { path }));
      else if (typeof document === "string") sendText(res, 200, document);
      else sendJson(res, 200, document);
      return;
    }
    if (await this.#pods.handle(req, res, url, user)) return;
    // RBAC decides before routing: an anonymous request for a path it may not read is refused, not told it is missing.
    if (!user.groups.includes("system:authenticated")) sendJson(res, 403, forbidden(user.name, "get", { path }));
    else sendJson(res, 404, pathNotFound());
  }

  #nonResource(path: string): Record<string, unknown> | string | undefined {
    switch (path) {
      case "/version":
        return versionDocument();
      case "/api":
        return coreVersionsDocument(`127.0.0.1:${this.port}`);
      case "/apis":
        return groupListDocument();
      case "/api/v1":
        return coreV1ResourcesDocument(allPodVerbs);
      case "/healthz":
      case "/livez":
      case "/readyz":
        return "ok";
      default:
        return undefined;
    }
  }
}

/** Starts a FAKE Kubernetes API server (not a real one) serving pods over HTTPS on 127.0.0.1; needs the openssl CLI for its certificates. */
export async function startFakeKubernetesApi(options: FakeKubernetesApiOptions = {}): Promise<FakeKubernetesApi> {
  const ca = await createTestCertificateAuthority("fake-kubernetes-ca");
  const serverCert = await ca.issue({ commonName: "kube-apiserver", usage: "server", dnsNames: ["localhost", "kubernetes.default.svc"] });
  const api = new KubernetesApiFake(options, ca, serverCert);
  await api.start();
  return api;
}
