import { InvalidOptionError } from "@tsakt/actor";

/** How the client sees one cluster member. */
export type ClientNodeStatus =
  /** Known from seeds, discovery or a gateway's view; its gateway has not answered yet. */
  | "connecting"
  /** Its gateway answered and it is a live member: calls may go there. */
  | "up"
  /** Its connection was lost or its gateway did not answer; the client retries with backoff and sends no calls. */
  | "unreachable"
  /** A gateway reported it dead or departed (this process run): the client never sends to it again. */
  | "down";

/** A cluster member as the client sees it: plain data, a copy. */
export interface ClientNode {
  /** Member name, "host:port". */
  readonly name: string;
  /** Node address, "tsakt://system@host:port". */
  readonly address: string;
  /** The member's process-run id, once a gateway reported it; "" before. */
  readonly uid: string;
  /** Where the client stands with it. */
  readonly status: ClientNodeStatus;
  /** Roles it plays. */
  readonly roles: readonly string[];
  /** Calls of this client waiting for its answer now. */
  readonly inFlight: number;
  /** Calls (attempts) this client sent there. */
  readonly sent: number;
  /** Attempts that failed there (the call may have succeeded elsewhere). */
  readonly failed: number;
  /** When this client last sent a call there (ms since the epoch); undefined when never. */
  readonly lastSentAtMs: number | undefined;
  /** When this client learned the member was down (ms since the epoch); undefined unless down. */
  readonly downAtMs: number | undefined;
  /** The node's reported load (gateway calls in flight plus queued messages); undefined until least-load asked. */
  readonly load: number | undefined;
}

/** Picks the member for the next call among the members that are up (sorted by name; never empty). */
export interface Balancer {
  /** Short name for logs, for example "round-robin". */
  readonly name: string;
  /** The member to call next. */
  pick(nodes: readonly ClientNode[]): ClientNode;
}

/** Names of the built-in balancers. */
export type BalancerName = "round-robin" | "random" | "least-load";

/** Each call goes to the next member in name order. */
export function roundRobinBalancer(): Balancer {
  let next = 0;
  return {
    name: "round-robin",
    pick(nodes) {
      const node = nodes[next % nodes.length] as ClientNode;
      next = (next + 1) % 1_000_000_007;
      return node;
    },
  };
}

/** Each call goes to a member chosen uniformly at random. */
export function randomBalancer(): Balancer {
  return { name: "random", pick: (nodes) => nodes[Math.floor(Math.random() * nodes.length)] as ClientNode };
}

/**
 * Each call goes to the member with the least load: this client's calls in flight there plus the load the node last
 * reported (refreshed every loadRefreshMs); ties are broken at random so equal members share the calls.
 */
export function leastLoadBalancer(): Balancer {
  return {
    name: "least-load",
    pick(nodes) {
      let best: ClientNode[] = [];
      let bestScore = Number.POSITIVE_INFINITY;
      for (const node of nodes) {
        const score = node.inFlight + (node.load ?? 0);
        if (score < bestScore) {
          bestScore = score;
          best = [node];
        } else if (score === bestScore) best.push(node);
      }
      return best[Math.floor(Math.random() * best.length)] as ClientNode;
    },
  };
}

/** The balancer for an option value: a built-in name or a Balancer; InvalidOptionError otherwise. */
export function resolveBalancer(option: unknown): Balancer {
  if (option === undefined || option === "round-robin") return roundRobinBalancer();
  if (option === "random") return randomBalancer();
  if (option === "least-load") return leastLoadBalancer();
  const b = option as Partial<Balancer> | null;
  if (typeof b === "object" && b !== null && typeof b.pick === "function" && typeof b.name === "string") return b as Balancer;
  throw new InvalidOptionError(
    "balancer",
    `must be "round-robin", "random", "least-load" or a Balancer { name, pick(nodes) }, got ${JSON.stringify(option)}`,
  );
}
