import type { ActorSystem } from "@tsakt/actor";
import { HttpError, intParam, type Route } from "./http.js";
import { actorPage, grainStats, nodeStats } from "./node-view.js";
import type { Sampler } from "./sampler.js";
import { managementSchema } from "./schema.js";

/** What the core routes read from the plugin. */
export interface CoreContext {
  readonly system: ActorSystem;
  readonly sampler: Sampler;
  /** This node's name in views: its member name in a cluster, else its address. */
  nodeName(): string;
  url(): string;
  /** Why the node is not ready; empty when it is. */
  notReady(): string[];
  /** Extra /status fields from sections. */
  status(): Record<string, unknown>;
}

/** Largest page of actors. */
export const maxActorPage = 10_000;

/** The routes every endpoint has: probes, status, this node's numbers, actors, grains and history. */
export function coreRoutes(ctx: CoreContext): Route[] {
  return [
    {
      method: "GET",
      pattern: "/alive",
      handle: () =>
        ctx.system.isRunning
          ? { body: { status: "alive" } }
          : { status: 503, body: { status: "stopping", reasons: ["the actor system is stopping"] } },
    },
    {
      method: "GET",
      pattern: "/ready",
      handle: () => {
        const reasons = ctx.notReady();
        return reasons.length === 0 ? { body: { status: "ready" } } : { status: 503, body: { status: "not-ready", reasons } };
      },
    },
    {
      method: "GET",
      pattern: "/status",
      handle: () => {
        const reasons = ctx.notReady();
        return {
          body: {
            node: nodeStats(ctx.system, ctx.nodeName(), ctx.url()),
            alive: ctx.system.isRunning,
            ready: reasons.length === 0,
            reasons,
            ...ctx.status(),
          },
        };
      },
    },
    { method: "GET", pattern: "/node", handle: () => ({ body: nodeStats(ctx.system, ctx.nodeName(), ctx.url()) }) },
    {
      method: "GET",
      pattern: "/actors",
      handle: (request) => {
        const under = request.query.get("under") ?? "";
        if (under !== "" && !under.startsWith("/"))
          throw new HttpError(400, "BadRequest", 'under must be an actor path such as "/user" or "/user/orders"');
        return {
          body: actorPage(ctx.system, ctx.nodeName(), {
            under,
            offset: intParam(request.query, "offset", 0, 0, Number.MAX_SAFE_INTEGER),
            limit: intParam(request.query, "limit", 100, 1, maxActorPage),
            maxDepth: intParam(request.query, "maxDepth", 0, 0, 1000),
          }),
        };
      },
    },
    { method: "GET", pattern: "/grains", handle: () => ({ body: { node: ctx.nodeName(), ...grainStats(ctx.system) } }) },
    {
      method: "GET",
      pattern: "/stats/history",
      handle: (request) => ({
        body: { node: ctx.nodeName(), samples: ctx.sampler.since(intParam(request.query, "since", 0, 0, Number.MAX_SAFE_INTEGER)) },
      }),
    },
    { method: "GET", pattern: "/schema.json", handle: () => ({ body: managementSchema() }) },
  ];
}
