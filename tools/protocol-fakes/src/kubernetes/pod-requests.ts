import type { IncomingMessage, ServerResponse } from "node:http";
import { readBody, sendJson } from "../loopback-server.js";
import type { AccessControl, PodVerb, UserInfo } from "./access-control.js";
import { badRequest, forbidden, podNotFound, type StatusJson, status, tooLargeResourceVersion } from "./api-status.js";
import type { PodJson } from "./fake-pod.js";
import { FieldSelectorError, matchesFields, parseFieldSelector } from "./field-selector.js";
import { matchesSelector, parseLabelSelector, SelectorParseError } from "./label-selector.js";
import type { PodStore } from "./pod-store.js";
import { contentType, type IncludeObject, negotiate, podTable, type Representation } from "./pod-table.js";
import { streamWatch } from "./watch-stream.js";

/** Timing knobs and the deletion hook the pod endpoints need. */
export interface PodRequestSettings {
  bookmarkIntervalMs: number;
  tooLargeResourceVersionWaitMs: number;
  minRequestTimeoutSeconds: number;
  /** Deletes a pod gracefully; returns its state after the call, undefined when it does not exist. */
  deletePod(name: string, namespace: string, gracePeriodMs: number | undefined): PodJson | undefined;
}

const podPath = /^\/api\/v1\/(?:namespaces\/([^/]+)\/)?pods(?:\/([^/]+))?$/;
const trueValues = new Set(["1", "t", "T", "true", "TRUE", "True"]);

/** A request kube-apiserver would answer with a Status instead of data. */
class StatusError extends Error {
  constructor(readonly body: StatusJson) {
    super(body.message);
  }
}

/** Strips what list items do not carry on the wire (kind and apiVersion live on the list). */
function listItem({ kind: _kind, apiVersion: _apiVersion, ...rest }: PodJson): Omit<PodJson, "kind" | "apiVersion"> {
  return rest;
}

function includeObjectParam(q: URLSearchParams): IncludeObject {
  const raw = q.get("includeObject") ?? "Metadata";
  if (raw === "None" || raw === "Metadata" || raw === "Object") return raw;
  throw new StatusError(badRequest(`includeObject: Unsupported value: "${raw}": supported values: "None", "Metadata", "Object"`));
}

function resourceVersionParam(q: URLSearchParams): number | undefined {
  const raw = q.get("resourceVersion") ?? "";
  if (raw === "" || raw === "0") return undefined;
  if (!/^\d+$/.test(raw)) throw new StatusError(badRequest(`invalid resource version: ${raw}`));
  return Number(raw);
}

/** GET (get, list, watch) and DELETE on /api/v1/[namespaces/:ns/]pods[/:name], with RBAC checks. */
export class PodRequests {
  readonly #watches = new Map<ServerResponse, () => void>();
  #lists = 0;
  #bookmarks = 0;

  constructor(
    private readonly store: PodStore,
    private readonly access: AccessControl,
    private readonly settings: PodRequestSettings,
  ) {}

  get activeWatches(): number {
    return this.#watches.size;
  }

  get listRequests(): number {
    return this.#lists;
  }

  get bookmarksSent(): number {
    return this.#bookmarks;
  }

  /** Ends every open watch normally (a server-side timeout). */
  endWatches(): void {
    for (const end of [...this.#watches.values()]) end();
  }

  /** Cuts every open watch connection (a server going away). */
  dropWatches(): void {
    for (const res of [...this.#watches.keys()]) res.destroy();
    this.#watches.clear();
  }

  /** Serves the request when it addresses pods; false when the path is not a pod path. */
  async handle(req: IncomingMessage, res: ServerResponse, url: URL, user: UserInfo): Promise<boolean> {
    const match = podPath.exec(url.pathname);
    if (!match) return false;
    const namespace = match[1] === undefined ? undefined : decodeURIComponent(match[1]);
    const name = match[2] === undefined ? undefined : decodeURIComponent(match[2]);
    const q = url.searchParams;
    const verb: PodVerb | undefined =
      req.method === "DELETE" && name !== undefined
        ? "delete"
        : req.method !== "GET"
          ? undefined
          : name !== undefined
            ? "get"
            : trueValues.has(q.get("watch") ?? "")
              ? "watch"
              : "list";
    if (verb === undefined || (name !== undefined && namespace === undefined)) {
      sendJson(res, 405, status(405, "MethodNotAllowed", "the server does not allow this method on the requested resource"));
      return true;
    }
    const scope = namespace ?? "";
    if (!this.access.mayAccessPods(user, verb, scope)) {
      sendJson(res, 403, this.#forbidden(user, verb, namespace, name));
      return true;
    }
    const representation = negotiate(req.headers.accept);
    if (representation === undefined) {
      sendJson(res, 406, status(406, "NotAcceptable", "only the following media types are accepted: application/json"));
      return true;
    }
    try {
      if (verb === "get") await this.#get(res, scope, name!, q, representation);
      else if (verb === "delete") await this.#delete(req, res, scope, name!, q);
      else {
        const matches = this.#selection(namespace, q);
        if (verb === "watch") this.#watch(res, matches, q, representation);
        else await this.#list(res, matches, q, representation);
      }
    } catch (error) {
      if (!(error instanceof StatusError)) throw error;
      const headers: Record<string, string> = error.body.details?.retryAfterSeconds
        ? { "Retry-After": String(error.body.details.retryAfterSeconds) }
        : {};
      sendJson(res, error.body.code, error.body, headers);
    }
    return true;
  }

  #forbidden(user: UserInfo, verb: PodVerb, namespace: string | undefined, name: string | undefined): StatusJson {
    if (namespace !== undefined) return forbidden(user.name, verb, { namespace, ...(name === undefined ? {} : { name }) });
    return status(
      403,
      "Forbidden",
      `pods is forbidden: User "${user.name}" cannot ${verb} resource "pods" in API group "" at the cluster scope`,
      {
        kind: "pods",
      },
    );
  }

  /** Namespace, label selector and field selector as one predicate; 400 for a malformed selector. */
  #selection(namespace: string | undefined, q: URLSearchParams): (pod: PodJson) => boolean {
    for (const unsupported of ["sendInitialEvents", "resourceVersionMatch", "continue"]) {
      if (q.has(unsupported)) throw new StatusError(badRequest(`the fake Kubernetes API does not implement ${unsupported}`));
    }
    try {
      const labels = parseLabelSelector(q.get("labelSelector") ?? "");
      const fields = parseFieldSelector(q.get("fieldSelector") ?? "");
      return (pod) =>
        (namespace === undefined || pod.metadata.namespace === namespace) &&
        matchesSelector(labels, pod.metadata.labels ?? {}) &&
        matchesFields(fields, pod);
    } catch (error) {
      if (error instanceof SelectorParseError || error instanceof FieldSelectorError) throw new StatusError(badRequest(error.message));
      throw error;
    }
  }

  /** "Not older than" a resource version: waits briefly for the store to reach it, then 504 like the watch cache. */
  async #notOlderThan(q: URLSearchParams): Promise<void> {
    const wanted = resourceVersionParam(q);
    if (wanted === undefined || this.store.revision >= wanted) return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(done, this.settings.tooLargeResourceVersionWaitMs);
      const unsubscribe = this.store.subscribe(() => {
        if (this.store.revision >= wanted) done();
      });
      function done(): void {
        clearTimeout(timer);
        unsubscribe();
        resolve();
      }
    });
    if (this.store.revision < wanted) throw new StatusError(tooLargeResourceVersion(wanted, this.store.revision));
  }

  async #get(res: ServerResponse, namespace: string, name: string, q: URLSearchParams, representation: Representation): Promise<void> {
    const includeObject = includeObjectParam(q);
    await this.#notOlderThan(q);
    const pod = this.store.get(namespace, name);
    if (!pod) sendJson(res, 404, podNotFound(name));
    else if (!representation.table) sendJson(res, 200, pod);
    else {
      const table = podTable([pod], {
        apiVersion: representation.apiVersion,
        includeObject,
        headers: true,
        resourceVersion: pod.metadata.resourceVersion,
      });
      sendJson(res, 200, table, { "Content-Type": contentType(representation) });
    }
  }

  async #list(res: ServerResponse, matches: (pod: PodJson) => boolean, q: URLSearchParams, representation: Representation): Promise<void> {
    const includeObject = includeObjectParam(q);
    await this.#notOlderThan(q);
    this.#lists++;
    const pods = this.store.list().filter(matches);
    const resourceVersion = String(this.store.revision);
    if (!representation.table) {
      sendJson(res, 200, { kind: "PodList", apiVersion: "v1", metadata: { resourceVersion }, items: pods.map(listItem) });
      return;
    }
    const table = podTable(pods, { apiVersion: representation.apiVersion, includeObject, headers: true, resourceVersion });
    sendJson(res, 200, table, { "Content-Type": contentType(representation) });
  }

  #watch(res: ServerResponse, matches: (pod: PodJson) => boolean, q: URLSearchParams, representation: Representation): void {
    const includeObject = includeObjectParam(q);
    const from = resourceVersionParam(q);
    const timeoutSeconds = Number(q.get("timeoutSeconds") ?? "0");
    const min = this.settings.minRequestTimeoutSeconds;
    const timeoutMs = timeoutSeconds > 0 ? timeoutSeconds * 1000 : (min + Math.random() * min) * 1000;
    const end = streamWatch(
      res,
      this.store,
      {
        matches,
        from,
        bookmarks: trueValues.has(q.get("allowWatchBookmarks") ?? ""),
        timeoutMs,
        bookmarkIntervalMs: this.settings.bookmarkIntervalMs,
        contentType: contentType(representation),
        // Table headers go with the first event only, as kube-apiserver sends them.
        ...(representation.table
          ? {
              render: (pod: PodJson, first: boolean) =>
                podTable([pod], { apiVersion: representation.apiVersion, includeObject, headers: first }),
            }
          : {}),
      },
      { onBookmark: () => this.#bookmarks++, onEnd: () => this.#watches.delete(res) },
    );
    if (!res.writableEnded) this.#watches.set(res, end);
  }

  async #delete(req: IncomingMessage, res: ServerResponse, namespace: string, name: string, q: URLSearchParams): Promise<void> {
    if (q.has("dryRun")) throw new StatusError(badRequest("the fake Kubernetes API does not implement dryRun"));
    let grace = q.get("gracePeriodSeconds");
    const body = await readBody(req);
    if (body.trim() !== "") {
      let options: { gracePeriodSeconds?: unknown };
      try {
        options = JSON.parse(body) as { gracePeriodSeconds?: unknown };
      } catch {
        throw new StatusError(badRequest("the request body is not a valid DeleteOptions object"));
      }
      if (typeof options.gracePeriodSeconds === "number") grace = String(options.gracePeriodSeconds);
    }
    if (grace !== null && !/^\d+$/.test(grace)) throw new StatusError(badRequest(`invalid gracePeriodSeconds: ${grace}`));
    const pod = this.settings.deletePod(name, namespace, grace === null ? undefined : Number(grace) * 1000);
    if (pod) sendJson(res, 200, pod);
    else sendJson(res, 404, podNotFound(name));
  }
}
