import type { Cluster, ClusterMember } from "@tsakt/cluster";
import type { ClusterGrainForwarder } from "./cluster-forwarder.js";
import { NoGrainNodeError } from "./errors.js";
import type { GrainIdentity } from "./identity.js";
import type { GrainPlacement, GrainPlacementRequest } from "./placement.js";

/** Options of the cluster placements. */
export interface ClusterPlacementOptions {
  /** Only members with this role activate the grains. Default: any live member. */
  role?: string;
}

/** How long least-load placement trusts a member's reported load, in ms. */
export const loadRefreshMs = 1000;

/** Live members (alive or suspect; alive only when there are some) that may host the grain, sorted by name. */
function candidates(cluster: Cluster, identity: GrainIdentity, role: string | undefined): ClusterMember[] {
  const live = cluster.members().filter((m) => role === undefined || m.roles.includes(role));
  const alive = live.filter((m) => m.status === "alive");
  const chosen = alive.length > 0 ? alive : live;
  if (chosen.length === 0) throw new NoGrainNodeError(identity.kind, identity.id, role);
  return chosen.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/** Activates each new grain on the next live member in turn (by name), so activations spread evenly. */
export function roundRobinPlacement(cluster: Cluster, options: ClusterPlacementOptions = {}): GrainPlacement {
  let next = 0;
  return Object.freeze({
    name: options.role === undefined ? "round-robin" : `round-robin(${options.role})`,
    place(request: GrainPlacementRequest): string {
      const members = candidates(cluster, request.identity, options.role);
      const member = members[next++ % members.length] as ClusterMember;
      if (next >= Number.MAX_SAFE_INTEGER) next = 0;
      return member.address;
    },
  });
}

/** Activates each new grain on a live member picked at random. */
export function randomPlacement(cluster: Cluster, options: ClusterPlacementOptions = {}): GrainPlacement {
  return Object.freeze({
    name: options.role === undefined ? "random" : `random(${options.role})`,
    place(request: GrainPlacementRequest): string {
      const members = candidates(cluster, request.identity, options.role);
      return (members[Math.floor(Math.random() * members.length)] as ClusterMember).address;
    },
  });
}

/**
 * Activates on the node that first calls the grain when it has `role`, else on the members with `role` in turn:
 * grains of a kind that needs what only some nodes have (a GPU, a database) stay on those nodes.
 */
export function rolePlacement(cluster: Cluster, role: string): GrainPlacement {
  const spread = roundRobinPlacement(cluster, { role });
  return Object.freeze({
    name: `role(${role})`,
    place(request: GrainPlacementRequest): string {
      const self = cluster.self;
      if (self.address === request.self && self.roles.includes(role)) return request.self;
      return spread.place(request) as string;
    },
  });
}

/**
 * Activates on the live member hosting the fewest grains, as their grain managers report it (asked at most once
 * per `loadRefreshMs`; between reports each placement counts one more grain on the chosen member, so a burst of
 * activations spreads instead of piling onto one node). A member that does not answer is skipped.
 */
export function leastLoadPlacement(
  cluster: Cluster,
  forwarder: ClusterGrainForwarder,
  options: ClusterPlacementOptions = {},
): GrainPlacement {
  const loads = new Map<string, { load: number; at: number }>();
  let refreshing: Promise<void> | undefined;
  const refresh = async (members: readonly ClusterMember[]): Promise<void> => {
    const now = forwarder.now();
    await Promise.all(
      members.map(async (m) => {
        const known = loads.get(m.address);
        if (known !== undefined && now - known.at < loadRefreshMs) return;
        const load = await forwarder.loadOf(m.address).catch(() => Number.POSITIVE_INFINITY);
        loads.set(m.address, { load, at: now });
      }),
    );
  };
  return Object.freeze({
    name: options.role === undefined ? "least-load" : `least-load(${options.role})`,
    async place(request: GrainPlacementRequest): Promise<string> {
      const members = candidates(cluster, request.identity, options.role);
      // Concurrent placements share one round of queries.
      refreshing ??= refresh(members).finally(() => (refreshing = undefined));
      await refreshing;
      let best = members[0] as ClusterMember;
      let bestLoad = Number.POSITIVE_INFINITY;
      for (const m of members) {
        const load = loads.get(m.address)?.load ?? Number.POSITIVE_INFINITY;
        if (load < bestLoad) {
          best = m;
          bestLoad = load;
        }
      }
      const chosen = loads.get(best.address);
      if (chosen !== undefined) chosen.load++;
      return best.address;
    },
  });
}
