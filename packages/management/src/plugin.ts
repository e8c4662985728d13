import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { createRegistry, type Registry } from "@bufbuild/protobuf";
import type { ActorSystem, Plugin } from "@tsakt/actor";
import { hostOf, pluginOf } from "@tsakt/actor/internal";
import { askRoute } from "./ask-route.js";
import { TokenCheck } from "./auth.js";
import { coreRoutes } from "./core-routes.js";
import { DashboardFiles } from "./dashboard-files.js";
import { ManagementListenError } from "./errors.js";
import { HttpError, matchRoute, type Request, type Route, readJson, sendJson } from "./http.js";
import { LiveStream } from "./live.js";
import { nodeStats, type StatsSample } from "./node-view.js";
import { type ManagementOptions, type ManagementSettings, resolveManagementOptions } from "./options.js";
import { type ManagementMeter, type MetricsEndpoint, startPrometheus } from "./prometheus.js";
import { Sampler } from "./sampler.js";
import type { ManagementSection, NodeSnapshot } from "./section.js";

/** The running management endpoint of a node, from managementOf(system). */
export interface Management {
  /** The endpoint's base URL, "http://host:port". */
  readonly url: string;
  /** The port it listens on (the chosen one when the option was 0). */
  readonly port: number;
  /** The interface it listens on. */
  readonly host: string;
}

// Probes answer without a token (they reveal one word), and the dashboard's static files carry no data.
const publicPaths = new Set(["/alive", "/ready"]);

/** The management plugin: an HTTP endpoint on node:http, opt-in, loopback by default. */
export class ManagementPlugin implements Plugin, Management {
  readonly name = "management";
  readonly packageName = "@tsakt/management";
  private readonly settings: ManagementSettings;
  private readonly token: TokenCheck;
  private readonly files = new DashboardFiles();
  private readonly sections: ManagementSection[] = [];
  private readonly routes: Route[] = [];
  private system: ActorSystem | undefined = undefined;
  private server: Server | undefined = undefined;
  private sampler: Sampler | undefined = undefined;
  private live: LiveStream | undefined = undefined;
  private metrics: MetricsEndpoint | undefined = undefined;
  private meter: ManagementMeter | undefined = undefined;
  private boundPort = 0;
  /** @internal Set by the cluster section: the member name, used in every view. */
  nodeName: (() => string) | undefined = undefined;
  /** @internal Set by the cluster section: remoting's registry, for POST /actors/ask. */
  typeRegistry: (() => Registry) | undefined = undefined;

  constructor(options: ManagementOptions) {
    this.settings = resolveManagementOptions(options);
    this.token = new TokenCheck(this.settings.token);
  }

  get url(): string {
    const host = this.settings.host.includes(":") ? `[${this.settings.host}]` : this.settings.host;
    return `http://${host}:${this.boundPort}`;
  }

  get port(): number {
    return this.boundPort;
  }

  get host(): string {
    return this.settings.host;
  }

  async start(system: ActorSystem): Promise<void> {
    this.system = system;
    const s = this.settings;
    const sampler = (this.sampler = new Sampler(system, s.sampleIntervalMs, s.historySize, (sample) => this.sampled(sample)));
    this.live = new LiveStream(() => this.snapshot());
    const fallbackRegistry = createRegistry(...s.types, ...hostOf(system).pluginTypes());
    this.routes.push(
      ...coreRoutes({
        system,
        sampler,
        nodeName: () => this.node(),
        url: () => this.url,
        notReady: () => this.notReady(),
        status: () => Object.assign({}, ...this.sections.map((section) => section.status?.() ?? {})),
      }),
      askRoute(system, () => this.typeRegistry?.() ?? fallbackRegistry),
    );
    if (s.prometheus !== false) {
      this.metrics = await startPrometheus(s.prometheus, system, [(meter) => (this.meter = meter)]);
    }
    const server = (this.server = createServer((request, response) => void this.handle(request, response)));
    await new Promise<void>((resolve, reject) => {
      server.once("error", (error) => reject(new ManagementListenError(s.host, s.port, error)));
      server.listen(s.port, s.host, () => resolve());
    });
    this.boundPort = (server.address() as AddressInfo).port;
    sampler.start();
    system.logger.info({ url: this.url, dashboard: s.dashboard }, "management endpoint listening");
  }

  async stop(): Promise<void> {
    this.sampler?.stop();
    this.live?.close();
    for (const section of this.sections.splice(0)) await section.stop?.();
    const server = this.server;
    this.server = undefined;
    if (server !== undefined) {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
    await this.metrics?.shutdown().catch(() => undefined);
  }

  /** Stops the endpoint (as stop()). */
  [Symbol.asyncDispose](): Promise<void> {
    return this.stop();
  }

  /** @internal Cluster events kept for the log. */
  get eventLogSize(): number {
    return this.settings.eventLogSize;
  }

  /** @internal Adds a section (the cluster's): its routes take part from now on. */
  addSection(section: ManagementSection): void {
    this.sections.push(section);
    this.routes.push(...section.routes);
    if (this.meter !== undefined) section.metrics?.(this.meter);
  }

  /** @internal Publishes an event on the live stream. */
  publish(event: string, data: unknown): void {
    this.live?.publish(event, data);
  }

  /** @internal Listeners of the live stream now. */
  get liveListeners(): number {
    return this.live?.size ?? 0;
  }

  /** @internal This node's samples after `sinceMs`. */
  samplesSince(sinceMs: number): StatsSample[] {
    return this.sampler?.since(sinceMs) ?? [];
  }

  /** @internal This node's name in views. */
  node(): string {
    return this.nodeName?.() ?? this.system?.addressPrefix ?? "";
  }

  private notReady(): string[] {
    const reasons: string[] = [];
    if (this.system?.isRunning !== true) reasons.push("the actor system is not running");
    for (const section of this.sections) {
      const reason = section.notReady?.();
      if (reason !== undefined) reasons.push(reason);
    }
    return reasons;
  }

  private sampled(sample: StatsSample): void {
    const system = this.system;
    if (system === undefined || this.liveListeners === 0) return;
    const own: NodeSnapshot = { stats: nodeStats(system, this.node(), this.url), samples: [sample], reachable: true };
    let handled = false;
    for (const section of this.sections) handled = section.onSample?.(own) === true || handled;
    if (!handled) this.publish("nodes", [own]);
  }

  private async snapshot(): Promise<unknown> {
    const system = this.system as ActorSystem;
    const base = {
      self: this.node(),
      system: system.name,
      cluster: false,
      leader: null,
      members: [],
      events: [],
      nodes: [{ stats: nodeStats(system, this.node(), this.url), samples: this.samplesSince(0), reachable: true }],
    };
    const extra = await Promise.all(this.sections.map((section) => section.snapshot?.() ?? Promise.resolve({})));
    return Object.assign(base, ...extra);
  }

  private async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const method = request.method ?? "GET";
    const url = new URL(request.url ?? "/", "http://management.invalid");
    const path =
      url.pathname.length > 1 && url.pathname.endsWith("/") && !url.pathname.startsWith("/dashboard/")
        ? url.pathname.slice(0, -1)
        : url.pathname;
    try {
      if (method === "GET" && this.settings.dashboard && (path === "/" || path === "/dashboard")) {
        response.writeHead(302, { location: `/dashboard/${url.search}` }).end();
        return;
      }
      if (method === "GET" && this.settings.dashboard && path.startsWith("/dashboard/")) {
        await this.files.serve(path.slice("/dashboard/".length), response);
        return;
      }
      if (!publicPaths.has(path) && !this.token.allows(request, url.searchParams)) {
        response.setHeader("www-authenticate", 'Bearer realm="tsakt-management"');
        throw new HttpError(401, "Unauthorized", "this endpoint needs its token: send Authorization: Bearer <token>");
      }
      if (path === "/live" && method === "GET") {
        await this.live?.open(request, response);
        return;
      }
      if (path === "/metrics" && method === "GET") {
        if (this.metrics === undefined)
          throw new HttpError(404, "NotFound", "Prometheus metrics are off; start the endpoint with management({ prometheus: true })");
        this.metrics.handle(request, response);
        return;
      }
      await this.route(method, path, url, request, response);
    } catch (error) {
      if (response.headersSent) {
        response.destroy();
        return;
      }
      if (error instanceof HttpError) sendJson(response, error.status, { error: error.code, message: error.message });
      else {
        this.system?.logger.error({ err: error, path }, "management endpoint failed to answer");
        sendJson(response, 500, { error: "InternalError", message: error instanceof Error ? error.message : String(error) });
      }
    }
  }

  private async route(method: string, path: string, url: URL, raw: IncomingMessage, response: ServerResponse): Promise<void> {
    const allowed: string[] = [];
    for (const route of this.routes) {
      const params = matchRoute(route.pattern, path);
      if (params === undefined) continue;
      if (route.method !== method) {
        allowed.push(route.method);
        continue;
      }
      if (route.mutates === true && this.settings.readOnly)
        throw new HttpError(403, "ReadOnly", "this management endpoint is read-only (management({ readOnly: true }))");
      const request: Request = { method, path, query: url.searchParams, params, raw, json: () => readJson(raw) };
      const reply = await route.handle(request, response);
      if (reply !== undefined) sendJson(response, reply.status ?? 200, reply.body);
      return;
    }
    if (allowed.length > 0) {
      response.setHeader("allow", [...new Set(allowed)].join(", "));
      throw new HttpError(405, "MethodNotAllowed", `${method} is not allowed on ${path}; use ${[...new Set(allowed)].join(" or ")}`);
    }
    throw new HttpError(404, "NotFound", `no management route ${path}; see /schema.json for the API`);
  }
}

/**
 * The management plugin: `ActorSystem.start({ plugins: [..., management({ port: 8558 })] })`. Opt-in, on
 * 127.0.0.1 by default; a token is required to listen anywhere else. Add clusterManagement() from
 * @tsakt/management/cluster on cluster nodes for members, operations and the cluster's dashboard.
 */
export function management(options: ManagementOptions = {}): Plugin {
  return new ManagementPlugin(options);
}

/** The running management endpoint of `system`; throws PluginNotInstalledError without management(). */
export function managementOf(system: ActorSystem): Management {
  return pluginOf<ManagementPlugin>(system, "management", "managementOf(system)", "@tsakt/management");
}
