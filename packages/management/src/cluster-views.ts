import type { Cluster, ClusterEvent, ClusterMember } from "@tsakt/cluster";

/** A member as /cluster/members shows it. */
export interface MemberView {
  readonly name: string;
  readonly address: string;
  /** "alive" or "suspect" while a member ("suspect": missed probes, may be declared dead soon). */
  readonly status: string;
  readonly roles: readonly string[];
  readonly uid: string;
  readonly startedAtMs: number;
  readonly incarnation: number;
  /** The member's datacenter; "default" until the cluster knows datacenters. */
  readonly datacenter: string;
  readonly leader: boolean;
  /** True for the node that answered. */
  readonly self: boolean;
}

/** GET /cluster/members: the membership as this node sees it. */
export interface MembersView {
  /** This node's member name. */
  readonly self: string;
  /** The leader's name (the oldest live member), or null. */
  readonly leader: string | null;
  /** Live members, oldest first. */
  readonly members: MemberView[];
  /** Names of members that are suspected (missed probes). */
  readonly unreachable: string[];
}

/** One entry of the cluster event log. */
export interface ClusterEventEntry {
  /** When this node saw it (ms since the epoch). */
  readonly at: number;
  readonly type: ClusterEvent["type"];
  /** For member events: the member's name. */
  readonly member?: string;
  /** For member events: its status then ("alive", "dead", "left"). */
  readonly status?: string;
  /** For leader-changed: the new and the previous leader's names, or null. */
  readonly leader?: string | null;
  readonly previous?: string | null;
}

/** The datacenter of a member: a field the multi-DC cluster adds, "default" before. */
export function datacenterOf(member: ClusterMember): string {
  const dc = (member as { datacenter?: unknown }).datacenter;
  return typeof dc === "string" && dc.length > 0 ? dc : "default";
}

/** The view of one member. */
export function memberView(member: ClusterMember, leader: string | undefined, self: string): MemberView {
  return {
    name: member.name,
    address: member.address,
    status: member.status,
    roles: [...member.roles],
    uid: member.uid,
    startedAtMs: member.startedAtMs,
    incarnation: member.incarnation,
    datacenter: datacenterOf(member),
    leader: member.name === leader,
    self: member.name === self,
  };
}

/** The membership now; an empty view when the cluster is not running. */
export function membersView(cluster: Cluster): MembersView {
  if (!cluster.isRunning) return { self: safeSelf(cluster), leader: null, members: [], unreachable: [] };
  const self = cluster.self.name;
  const leader = cluster.leader()?.name;
  const members = cluster.members();
  return {
    self,
    leader: leader ?? null,
    members: members.map((m) => memberView(m, leader, self)),
    unreachable: members.filter((m) => m.status === "suspect").map((m) => m.name),
  };
}

/** The event log entry of a cluster event. */
export function eventEntry(event: ClusterEvent, at: number): ClusterEventEntry {
  if (event.type === "leader-changed")
    return { at, type: event.type, leader: event.leader?.name ?? null, previous: event.previous?.name ?? null };
  return { at, type: event.type, member: event.member.name, status: event.member.status };
}

/** This node's member name, or "" when the cluster never started. */
export function safeSelf(cluster: Cluster): string {
  try {
    return cluster.self.name;
  } catch {
    return "";
  }
}
