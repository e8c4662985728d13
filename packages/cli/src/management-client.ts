import { TsaktError } from "@tsakt/actor";
import type { ActorPageAnswer, AskAnswer, MembersAnswer, OperationAnswer, StatusAnswer } from "./answers.js";

/** The endpoint answered with an error (4xx/5xx); `code` is its stable error code, `status` the HTTP status. */
export class EndpointError extends TsaktError {
  constructor(
    code: string,
    message: string,
    /** HTTP status of the answer. */
    readonly status: number,
  ) {
    super(code === "" ? "EndpointError" : code, message);
  }
}

/** The management endpoint could not be reached at all. */
export class EndpointUnreachableError extends TsaktError {
  constructor(url: string, cause: unknown) {
    super(
      "EndpointUnreachable",
      `no management endpoint answered at ${url} (${cause instanceof Error ? cause.message : String(cause)}); check --url (or TSAKT_URL) and that the node runs management()`,
      { cause },
    );
  }
}

/** Options of ManagementClient. */
export interface ManagementClientOptions {
  /** Base URL of a node's management endpoint. Default: "http://127.0.0.1:8558". */
  url?: string;
  /** Bearer token, when the endpoint has one. Default: none. */
  token?: string;
  /** Longest wait for one answer. Default: 10000. */
  timeoutMs?: number;
}

/**
 * A small HTTP client of the management API (GET /status, /cluster/members, …): what the tsakt command uses, for
 * scripts too. It speaks HTTP only; answers are the endpoint's JSON (see @tsakt/management's schema).
 */
export class ManagementClient {
  readonly url: string;
  private readonly token: string | undefined;
  private readonly timeoutMs: number;

  constructor(options: ManagementClientOptions = {}) {
    this.url = (options.url ?? "http://127.0.0.1:8558").replace(/\/+$/, "");
    this.token = options.token;
    this.timeoutMs = options.timeoutMs ?? 10_000;
  }

  /** GET /status: this node, readiness, and the cluster in brief. */
  status(): Promise<StatusAnswer> {
    return this.request<StatusAnswer>("GET", "/status");
  }

  /** GET /cluster/members. */
  members(): Promise<MembersAnswer> {
    return this.request<MembersAnswer>("GET", "/cluster/members");
  }

  /** A page of a node's actors: this node's (GET /actors) when `node` is undefined, else GET /cluster/nodes/<node>/actors. */
  actors(node: string | undefined, query: { under?: string; limit?: number; offset?: number }): Promise<ActorPageAnswer> {
    const params = new URLSearchParams();
    if (query.under !== undefined) params.set("under", query.under);
    if (query.limit !== undefined) params.set("limit", String(query.limit));
    if (query.offset !== undefined) params.set("offset", String(query.offset));
    const path = node === undefined ? "/actors" : `/cluster/nodes/${encodeURIComponent(node)}/actors`;
    return this.request<ActorPageAnswer>("GET", `${path}?${params}`);
  }

  /** PUT /cluster/members/<member> { operation }: asks the member to leave, or downs it. */
  operation(member: string, operation: "leave" | "down"): Promise<OperationAnswer> {
    return this.request<OperationAnswer>("PUT", `/cluster/members/${encodeURIComponent(member)}`, { operation });
  }

  /** POST /actors/ask: asks the actor `name` with a protobuf JSON message. */
  ask(name: string, message: unknown, options: { type?: string; timeoutMs?: number } = {}): Promise<AskAnswer> {
    return this.request<AskAnswer>("POST", "/actors/ask", { name, message, ...options });
  }

  private async request<T>(method: string, path: string, body?: unknown): Promise<T> {
    const headers: Record<string, string> = { accept: "application/json" };
    if (this.token !== undefined) headers.authorization = `Bearer ${this.token}`;
    if (body !== undefined) headers["content-type"] = "application/json";
    let response: Response;
    try {
      response = await fetch(this.url + path, {
        method,
        headers,
        signal: AbortSignal.timeout(this.timeoutMs),
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
    } catch (error) {
      throw new EndpointUnreachableError(this.url, error);
    }
    const text = await response.text();
    let json: { error?: string; message?: string } & Record<string, unknown>;
    try {
      json = text === "" ? {} : JSON.parse(text);
    } catch {
      throw new EndpointError("BadAnswer", `${method} ${path} answered ${response.status} with something other than JSON`, response.status);
    }
    if (!response.ok)
      throw new EndpointError(json?.error ?? "", json?.message ?? `${method} ${path} answered ${response.status}`, response.status);
    return json as T;
  }
}
