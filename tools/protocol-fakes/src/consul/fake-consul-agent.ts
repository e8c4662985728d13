import type { IncomingMessage, ServerResponse } from "node:http";
import { parseGoDuration } from "../go-duration.js";
import { LoopbackServer, readBody, sendJson, sendText } from "../loopback-server.js";
import { AgentState } from "./agent-state.js";
import { AntiEntropy } from "./anti-entropy.js";
import { Catalog } from "./catalog.js";
import { agentServiceJson, checkJson, nodeJson, serviceJson } from "./consul-json.js";
import type { CheckStatus, FakeConsulCheck, FakeConsulService } from "./consul-model.js";
import { BadRequest, decodeCheckUpdate, decodeRegistration } from "./registration-decoder.js";

/** Options of the FAKE Consul agent. */
export interface FakeConsulAgentOptions {
  /** Port to bind on 127.0.0.1. Default: 0 (a random free port). */
  port?: number;
  /** The agent's node name. Default: "fake-consul". */
  nodeName?: string;
  /** The agent's datacenter. Default: "dc1". */
  datacenter?: string;
  /** Floor for DeregisterCriticalServiceAfter, Consul's check_deregister_interval_min. Default: 60000 (as Consul). */
  deregisterCriticalMinMs?: number;
  /** How often critical services are reaped, Consul's check_reap_interval. Default: 30000 (as Consul). */
  reapIntervalMs?: number;
  /** When set, ACLs are on with default-deny and only this token is accepted. Default: ACLs off. */
  aclToken?: string;
  /**
   * Delay from an agent-local change to the anti-entropy sync that writes it to the catalog (what
   * /v1/health answers from); 0 writes at once. Default: 100 (long enough that a test reading the
   * catalog right after an agent call fails here, as it may on a real agent).
   */
  catalogSyncDelayMs?: number;
  /** Consul's check_update_interval: a check whose output alone changed reaches the catalog after 0.5 to 1.5 times this. Default: 300000. */
  checkUpdateIntervalMs?: number;
}

/** A running FAKE Consul agent (dev mode, one node, in-memory state). */
export interface FakeConsulAgent {
  /** Always "127.0.0.1". */
  readonly host: string;
  /** The bound port; stays the same across restart(). */
  readonly port: number;
  /** "127.0.0.1:<port>", the form CONSUL_HTTP_ADDR takes. */
  readonly address: string;
  /** The node every service registers on. */
  readonly nodeName: string;
  /** False between stop() and start(). */
  readonly running: boolean;
  /** Blocking queries currently held open, waiting for a change. */
  readonly heldQueries: number;
  /** True while agent changes wait for the sync that writes them to the catalog. */
  readonly catalogSyncPending: boolean;
  /** Copies of the agent's local services (what /v1/agent/services shows, ahead of the catalog). */
  services(): FakeConsulService[];
  /** Copies of the agent's local checks (what /v1/agent/checks shows; serfHealth lives in the catalog only). */
  checks(): FakeConsulCheck[];
  /** Runs the pending anti-entropy sync now, so the catalog reflects the agent's local state. */
  syncCatalog(): void;
  /** Stops listening and drops all state and open connections, as a killed dev agent would. */
  stop(): Promise<void>;
  /** Listens again on the same port with a fresh, empty state. */
  start(): Promise<void>;
  /** stop() then start(). */
  restart(): Promise<void>;
}

/** Consul's defaultQueryTime and maxQueryTime for blocking queries. */
const defaultWaitMs = 5 * 60_000;
const maxWaitMs = 10 * 60_000;

const ttlVerbs: Record<string, CheckStatus> = { pass: "passing", warn: "warning", fail: "critical" };

/** One life of the agent (from start to stop): its local state, the catalog it syncs to, and the sync between them. */
interface AgentRuntime {
  local: AgentState;
  catalog: Catalog;
  sync: AntiEntropy;
}

class ConsulAgentFake implements FakeConsulAgent {
  readonly host = "127.0.0.1";
  readonly nodeName: string;
  readonly #server: LoopbackServer;
  #state: AgentRuntime | undefined;
  #held = 0;

  constructor(private readonly options: FakeConsulAgentOptions) {
    this.nodeName = options.nodeName ?? "fake-consul";
    this.#server = new LoopbackServer((req, res, url) => this.#handle(req, res, url), options.port ?? 0);
  }

  get port(): number {
    return this.#server.port;
  }

  get address(): string {
    return `${this.host}:${this.port}`;
  }

  get running(): boolean {
    return this.#server.running;
  }

  get heldQueries(): number {
    return this.#held;
  }

  services(): FakeConsulService[] {
    return [...(this.#state?.local.services.values() ?? [])].map((s) => ({ ...s, tags: [...s.tags], meta: { ...s.meta } }));
  }

  checks(): FakeConsulCheck[] {
    return [...(this.#state?.local.checks.values() ?? [])].map((c) => ({ ...c }));
  }

  get catalogSyncPending(): boolean {
    return this.#state?.sync.pending ?? false;
  }

  syncCatalog(): void {
    this.#state?.sync.syncNow();
  }

  async start(): Promise<void> {
    if (this.running) return;
    const local = new AgentState({
      deregisterCriticalMinMs: this.options.deregisterCriticalMinMs ?? 60_000,
      reapIntervalMs: this.options.reapIntervalMs ?? 30_000,
    });
    const catalog = new Catalog(this.nodeName, this.options.datacenter ?? "dc1");
    const sync = new AntiEntropy(local, catalog, {
      syncDelayMs: this.options.catalogSyncDelayMs ?? 100,
      checkUpdateIntervalMs: this.options.checkUpdateIntervalMs ?? 300_000,
    });
    this.#state = { local, catalog, sync };
    await this.#server.start();
  }

  async stop(): Promise<void> {
    this.#state?.sync.dispose();
    this.#state?.local.dispose();
    this.#state = undefined;
    await this.#server.stop();
  }

  async restart(): Promise<void> {
    await this.stop();
    await this.start();
  }

  async #handle(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const runtime = this.#state;
    if (!runtime) {
      sendText(res, 503, "agent is shutting down");
      return;
    }
    if (!this.#authorized(req, res, url)) return;
    const path = url.pathname;
    const method = req.method ?? "GET";
    const route = (verb: string): boolean => {
      if (method === verb) return true;
      sendText(res, 405, `method ${method} not allowed`);
      return false;
    };
    try {
      if (path === "/v1/agent/service/register") {
        if (!route("PUT")) return;
        const replace =
          url.searchParams.has("replace-existing-checks") && ["", "true"].includes(url.searchParams.get("replace-existing-checks") ?? "");
        runtime.local.register(decodeRegistration(await readBody(req), replace));
        res.writeHead(200).end();
      } else if (path.startsWith("/v1/agent/service/deregister/")) {
        if (!route("PUT")) return;
        const id = decodeURIComponent(path.slice("/v1/agent/service/deregister/".length));
        if (!runtime.local.deregister(id)) {
          sendText(res, 404, `Unknown service ID "${id}". Ensure that the service ID is passed, not the service name.`);
          return;
        }
        res.writeHead(200).end();
      } else if (/^\/v1\/agent\/check\/(pass|warn|fail|update)\//.test(path)) {
        if (!route("PUT")) return;
        const [, , , , verb = "", ...rest] = path.split("/");
        const checkId = decodeURIComponent(rest.join("/"));
        const update =
          verb === "update"
            ? decodeCheckUpdate(await readBody(req))
            : { status: ttlVerbs[verb] as CheckStatus, output: url.searchParams.get("note") ?? "" };
        const check = runtime.local.checks.get(checkId);
        if (!check) {
          sendText(res, 404, `Unknown check ID "${checkId}". Ensure that the check ID is passed, not the check name.`);
          return;
        }
        runtime.local.updateTtlCheck(checkId, update.status, update.output);
        res.writeHead(200).end();
      } else if (path === "/v1/agent/services") {
        if (!route("GET")) return;
        const body: Record<string, unknown> = {};
        for (const s of runtime.local.services.values()) body[s.id] = agentServiceJson(s, runtime.catalog.node.datacenter);
        sendJson(res, 200, body);
      } else if (path === "/v1/agent/checks") {
        if (!route("GET")) return;
        const body: Record<string, unknown> = {};
        for (const c of runtime.local.checks.values()) {
          body[c.checkId] = checkJson(c, runtime.catalog.node, runtime.local.services.get(c.serviceId));
        }
        sendJson(res, 200, body);
      } else if (path.startsWith("/v1/health/service/")) {
        if (!route("GET")) return;
        this.#healthService(runtime.catalog, decodeURIComponent(path.slice("/v1/health/service/".length)), req, res, url);
      } else {
        sendText(res, 404, "404 page not found");
      }
    } catch (err) {
      if (err instanceof BadRequest) sendText(res, 400, err.message);
      else throw err;
    }
  }

  #authorized(req: IncomingMessage, res: ServerResponse, url: URL): boolean {
    const expected = this.options.aclToken;
    if (expected === undefined) return true;
    const bearer = /^Bearer (.+)$/.exec(req.headers.authorization ?? "")?.[1];
    const header = req.headers["x-consul-token"];
    const given = (typeof header === "string" ? header : undefined) ?? bearer ?? url.searchParams.get("token") ?? "";
    if (given === expected) return true;
    sendText(res, 403, given === "" ? "Permission denied: anonymous token lacks permission" : "ACL not found");
    return false;
  }

  /** GET /v1/health/service/:name, answered from the catalog (not the agent's local state). */
  #healthService(state: Catalog, name: string, req: IncomingMessage, res: ServerResponse, url: URL): void {
    const q = url.searchParams;
    for (const unsupported of ["filter", "near", "node-meta", "peer"]) {
      if (q.has(unsupported)) throw new BadRequest(`the fake Consul agent does not implement ?${unsupported}`);
    }
    const dc = q.get("dc");
    if (dc && dc !== state.node.datacenter) {
      sendText(res, 500, "No path to datacenter");
      return;
    }
    const passing = parsePassing(q);
    const tags = q.getAll("tag");
    const { minIndex, waitMs } = parseBlocking(q);

    const respond = (): void => {
      if (res.writableEnded || res.destroyed) return;
      const entries = [...state.services.values()]
        .filter((s) => s.name === name && tags.every((t) => s.tags.includes(t)))
        .sort((a, b) => a.id.localeCompare(b.id))
        .map((s) => {
          const nodeChecks = [...state.checks.values()].filter((c) => c.serviceId === "");
          const serviceChecks = [...state.checks.values()].filter((c) => c.serviceId === s.id);
          return { service: s, checks: [...nodeChecks, ...serviceChecks] };
        })
        .filter((e) => !passing || e.checks.every((c) => c.status === "passing"))
        .map((e) => ({
          Node: nodeJson(state.node),
          Service: serviceJson(e.service),
          Checks: e.checks.map((c) => checkJson(c, state.node, state.services.get(c.serviceId))),
        }));
      sendJson(res, 200, entries, {
        "X-Consul-Index": String(state.serviceIndex(name)),
        "X-Consul-Knownleader": "true",
        "X-Consul-Lastcontact": "0",
        "X-Consul-Effective-Consistency": "leader",
      });
    };

    if (minIndex === 0 || state.serviceIndex(name) > minIndex) {
      respond();
      return;
    }
    // Hold the request until the index moves past minIndex or the wait (plus up to wait/16 jitter) elapses.
    const timer = setTimeout(finish, waitMs + Math.random() * (waitMs / 16));
    const unsubscribe = state.onWrite(() => {
      if (state.serviceIndex(name) > minIndex) finish();
    });
    this.#held++;
    let held = true;
    const release = (): void => {
      if (held) this.#held--;
      held = false;
    };
    function cleanup(): void {
      clearTimeout(timer);
      unsubscribe();
      release();
    }
    function finish(): void {
      cleanup();
      respond();
    }
    res.on("close", cleanup);
    req.on("error", cleanup);
  }
}

function parsePassing(q: URLSearchParams): boolean {
  if (!q.has("passing")) return false;
  const value = q.get("passing") ?? "";
  if (["", "1", "t", "T", "true", "TRUE", "True"].includes(value)) return true;
  if (["0", "f", "F", "false", "FALSE", "False"].includes(value)) return false;
  throw new BadRequest("Invalid value for ?passing");
}

function parseBlocking(q: URLSearchParams): { minIndex: number; waitMs: number } {
  let waitMs = defaultWaitMs;
  const wait = q.get("wait");
  if (wait !== null) {
    try {
      waitMs = parseGoDuration(wait);
    } catch {
      throw new BadRequest("Invalid wait time");
    }
    if (waitMs <= 0) waitMs = defaultWaitMs;
    waitMs = Math.min(waitMs, maxWaitMs);
  }
  const index = q.get("index");
  if (index === null) return { minIndex: 0, waitMs };
  if (!/^\d+$/.test(index)) throw new BadRequest("Invalid index");
  return { minIndex: Number(index), waitMs };
}

/** Starts a FAKE Consul agent (not a real Consul) serving the agent and health endpoints TsAkt uses, on 127.0.0.1. */
export async function startFakeConsulAgent(options: FakeConsulAgentOptions = {}): Promise<FakeConsulAgent> {
  const agent = new ConsulAgentFake(options);
  await agent.start();
  return agent;
}
