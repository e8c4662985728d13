import type { DowningSettings } from "./options.js";

/** A member as the resolver sees it. */
export interface SbrMember {
  readonly name: string;
  readonly roles: readonly string[];
}

/** What one node sees when it decides: its live members, oldest first, and which of them it cannot reach. */
export interface SbrView {
  /** This node's name. */
  readonly self: string;
  /** Live members (this node included), oldest first: the order every node agrees on. */
  readonly members: readonly SbrMember[];
  /** Names of the members this node cannot reach. */
  readonly unreachable: ReadonlySet<string>;
}

/** "down-unreachable": this side survives and downs the others; "down-self": this side stops. */
export type SbrDecision = "down-unreachable" | "down-self";

/** The sides of a split, as this node sees them. */
export interface Sides {
  readonly reachable: readonly SbrMember[];
  readonly unreachable: readonly SbrMember[];
}

/** Splits the view into this node's side and the other, counting only members with `role` when given. */
export function sidesOf(view: SbrView, role: string | undefined): Sides & { all: Sides } {
  const counts = (m: SbrMember): boolean => role === undefined || m.roles.includes(role);
  const reachable = view.members.filter((m) => !view.unreachable.has(m.name));
  const unreachable = view.members.filter((m) => view.unreachable.has(m.name));
  return { reachable: reachable.filter(counts), unreachable: unreachable.filter(counts), all: { reachable, unreachable } };
}

/** True when this node's side holds the oldest member (of the counted ones; of all when none is counted). */
function holdsOldest(view: SbrView, sides: Sides & { all: Sides }): boolean {
  const counted = [...sides.reachable, ...sides.unreachable];
  const pool = counted.length > 0 ? view.members.filter((m) => counted.includes(m)) : view.members;
  const oldest = pool[0];
  return oldest !== undefined && !view.unreachable.has(oldest.name);
}

/** keep-majority: the bigger side survives; on an even split, the side with the oldest member. */
export function keepMajority(view: SbrView, role: string | undefined): SbrDecision {
  const sides = sidesOf(view, role);
  const r = sides.reachable.length;
  const u = sides.unreachable.length;
  if (r !== u) return r > u ? "down-unreachable" : "down-self";
  return holdsOldest(view, sides) ? "down-unreachable" : "down-self";
}

/** static-quorum: a side of at least `quorumSize` members survives; a smaller one downs itself. */
export function staticQuorum(view: SbrView, role: string | undefined, quorumSize: number): SbrDecision {
  return sidesOf(view, role).reachable.length >= quorumSize ? "down-unreachable" : "down-self";
}

/**
 * keep-oldest: the side with the oldest member survives; with `downIfAlone`, an oldest member alone on its side
 * downs itself and the others survive (so one isolated node does not take the whole cluster down).
 */
export function keepOldest(view: SbrView, role: string | undefined, downIfAlone: boolean): SbrDecision {
  const sides = sidesOf(view, role);
  const oldestHere = holdsOldest(view, sides);
  if (downIfAlone) {
    const alone = (side: readonly SbrMember[], other: readonly SbrMember[]): boolean => side.length === 1 && other.length > 0;
    if (oldestHere && alone(sides.all.reachable, sides.all.unreachable)) return "down-self";
    if (!oldestHere && alone(sides.all.unreachable, sides.all.reachable)) return "down-unreachable";
  }
  return oldestHere ? "down-unreachable" : "down-self";
}

/** The decision of every strategy but lease-majority, which needs its lease (see decideWithLease). */
export function decide(view: SbrView, settings: DowningSettings): SbrDecision {
  switch (settings.strategy) {
    case "keep-majority":
    case "lease-majority":
      return keepMajority(view, settings.role);
    case "static-quorum":
      return staticQuorum(view, settings.role, settings.quorumSize);
    case "keep-oldest":
      return keepOldest(view, settings.role, settings.downIfAlone);
    case "down-all":
      return "down-self";
    default:
      return settings.strategy satisfies never;
  }
}

/**
 * lease-majority: the side keep-majority favours tries the lease at once, the other after
 * acquireLeaseDelayForMinorityMs; the side that holds it survives. Every node of a side asks for the lease in the
 * name of its side's oldest member, so the nodes of one side share it and the other side is refused.
 */
export async function decideWithLease(view: SbrView, settings: DowningSettings, wait: (ms: number) => Promise<void>): Promise<SbrDecision> {
  const lease = settings.lease;
  if (lease === undefined) return "down-self";
  const favoured = keepMajority(view, settings.role) === "down-unreachable";
  if (!favoured) await wait(settings.acquireLeaseDelayForMinorityMs);
  const owner = sidesOf(view, undefined).all.reachable[0]?.name ?? view.self;
  try {
    return (await lease.acquire(owner, settings.leaseTtlMs)) ? "down-unreachable" : "down-self";
  } catch {
    // No lease store reachable: not knowing is not winning.
    return "down-self";
  }
}
