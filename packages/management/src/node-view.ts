import type { ActorSystem, Plugin } from "@tsakt/actor";
import { hostOf, walkActors } from "@tsakt/actor/internal";
import { HttpError } from "./http.js";

/** Active grains of one kind. */
export interface GrainKindStats {
  readonly kind: string;
  readonly active: number;
}

/** A node's grains: registered kinds and active counts; enabled is false without a grains plugin. */
export interface GrainStats {
  readonly enabled: boolean;
  readonly active: number;
  readonly kinds: GrainKindStats[];
}

/** One periodic sample of a node's numbers. */
export interface StatsSample {
  /** When it was taken (ms since the epoch). */
  readonly at: number;
  readonly messagesPerSec: number;
  readonly mailboxDepth: number;
  readonly actors: number;
  readonly grains: number;
}

/** A node's numbers now. */
export interface NodeStats {
  /** The member name ("host:port") in a cluster, else the system's address. */
  readonly node: string;
  /** The system's address prefix, "tsakt://name@host:port" with remoting. */
  readonly address: string;
  readonly system: string;
  readonly uptimeSec: number;
  readonly actors: number;
  readonly processed: number;
  readonly mailboxDepth: number;
  readonly deadLetters: number;
  readonly restarts: number;
  readonly grains: GrainStats;
  /** The node's management URL. */
  readonly url: string;
}

/** One actor in a page. */
export interface ActorEntry {
  readonly path: string;
  readonly depth: number;
  readonly state: string;
  readonly mailbox: number;
  readonly processed: number;
  readonly children: number;
}

/** A page of a node's actors, parents before children. */
export interface ActorPage {
  readonly node: string;
  /** Where the walk started: "/user", "/system", an actor's path, or "" for both guardians. */
  readonly under: string;
  /** Actors under `under` in total. */
  readonly total: number;
  readonly offset: number;
  readonly limit: number;
  readonly actors: ActorEntry[];
}

/** What the grains plugin offers, read without importing @tsakt/grains. */
interface GrainsLike {
  kinds(): string[];
  activeCount(): number;
}

/** The grains plugin of `system`, when it has one. */
export function grainsPluginOf(system: ActorSystem): GrainsLike | undefined {
  const plugin = hostOf(system).plugin<Plugin & Partial<GrainsLike>>("grains");
  return typeof plugin?.kinds === "function" && typeof plugin.activeCount === "function" ? (plugin as GrainsLike) : undefined;
}

/**
 * Active grains per kind: kinds() of the grains plugin, counted from the activations under /system/grains (each is
 * named "kind@id"), with activeCount() as the total.
 */
export function grainStats(system: ActorSystem): GrainStats {
  const grains = grainsPluginOf(system);
  if (grains === undefined) return { enabled: false, active: 0, kinds: [] };
  let kinds: string[];
  let active: number;
  try {
    kinds = grains.kinds();
    active = grains.activeCount();
  } catch {
    // Stopping or not started yet.
    return { enabled: true, active: 0, kinds: [] };
  }
  const counts = new Map<string, number>(kinds.map((k) => [k, 0]));
  walkActors(
    system,
    (actor) => {
      const at = actor.name.indexOf("@");
      if (at > 0 && actor.state !== "stopping" && actor.state !== "stopped") {
        const kind = actor.name.slice(0, at);
        if (counts.has(kind)) counts.set(kind, (counts.get(kind) as number) + 1);
      }
      return true;
    },
    { under: "/system/grains", maxDepth: 2 },
  );
  return {
    enabled: true,
    active,
    kinds: [...counts].map(([kind, n]) => ({ kind, active: n })).sort((a, b) => a.kind.localeCompare(b.kind)),
  };
}

/** The node's numbers now. */
export function nodeStats(system: ActorSystem, node: string, url: string): NodeStats {
  return {
    node,
    address: system.addressPrefix,
    system: system.name,
    uptimeSec: Math.round(process.uptime()),
    actors: system.actorCount,
    processed: system.processedCount,
    mailboxDepth: system.queuedMessages(),
    deadLetters: system.deadLetterCount,
    restarts: system.restartCount,
    grains: grainStats(system),
    url,
  };
}

/** Options of a page of actors. */
export interface ActorPageOptions {
  readonly under: string;
  readonly offset: number;
  readonly limit: number;
  readonly maxDepth: number;
}

/** A page of the node's actors; HttpError 404 when `under` names no actor. */
export function actorPage(system: ActorSystem, node: string, options: ActorPageOptions): ActorPage {
  const actors: ActorEntry[] = [];
  let total = 0;
  const end = options.offset + options.limit;
  const walk = {
    ...(options.under === "" ? {} : { under: options.under }),
    ...(options.maxDepth > 0 ? { maxDepth: options.maxDepth } : {}),
  };
  const found = walkActors(
    system,
    (actor) => {
      if (total >= options.offset && total < end)
        actors.push({
          path: actor.path,
          depth: actor.depth,
          state: actor.state,
          mailbox: actor.mailbox,
          processed: actor.processed,
          children: actor.children,
        });
      total++;
      return true;
    },
    walk,
  );
  if (!found) throw new HttpError(404, "NotFound", `no actor at ${JSON.stringify(options.under)} on this node`);
  return { node, under: options.under, total, offset: options.offset, limit: options.limit, actors };
}
