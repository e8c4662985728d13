import { create } from "@bufbuild/protobuf";
import { type Member, type MemberState, MemberStateSchema, MemberStatus } from "./gen/tsakt/cluster/v1/cluster_pb.js";
import { hostPortOf } from "./transport.js";

/** A member's status as users see it. */
export type MemberStatusName = "alive" | "suspect" | "dead" | "left" | "down";

/** A cluster member as the local node sees it: plain data, safe to keep. */
export interface ClusterMember {
  /** Unique node name. */
  readonly name: string;
  /** Host its remoting listens on. */
  readonly host: string;
  /** Its remoting port. */
  readonly port: number;
  /** Name of its actor system. */
  readonly system: string;
  /** Node address, "tsakt://system@host:port": prefix of its actors' addresses, and what cluster events carry. */
  readonly address: string;
  /** Roles it plays. */
  readonly roles: readonly string[];
  /** Random id of its process run; changes when the node restarts. */
  readonly uid: string;
  /** When it started (ms since the epoch); the oldest member leads. */
  readonly startedAtMs: number;
  /** alive or suspect while it is a member; down (removed by a downing decision), left or dead (replaced by a later run) in a member-left event. */
  readonly status: MemberStatusName;
  /** Its incarnation number, bumped by the member itself to refute suspicion. */
  readonly incarnation: number;
}

/** The node address of a member, "tsakt://system@host:port". */
export function memberAddress(member: Pick<Member, "system" | "host" | "port">): string {
  return `tsakt://${member.system}@${hostPortOf(member)}`;
}

/** True for members that count: alive or suspect (not yet confirmed dead, not departed). */
export function isLive(state: MemberState): boolean {
  return state.status === MemberStatus.ALIVE || state.status === MemberStatus.SUSPECT;
}

/** True when `a` is older than `b`: started earlier, then smaller name, then smaller uid (the leader is the oldest). */
export function isOlder(a: Member, b: Member): boolean {
  if (a.startedAtMs !== b.startedAtMs) return a.startedAtMs < b.startedAtMs;
  if (a.name !== b.name) return a.name < b.name;
  return a.uid < b.uid;
}

/** True when `a` is a later run of a process than `b` (same name, restarted). */
export function isLaterRun(a: Pick<Member, "uid" | "startedAtMs">, b: Pick<Member, "uid" | "startedAtMs">): boolean {
  return a.startedAtMs !== b.startedAtMs ? a.startedAtMs > b.startedAtMs : a.uid > b.uid;
}

/** A new state object for `member`; states are never mutated, so queues can hold them. */
export function stateOf(member: Member, status: MemberStatus, incarnation: number): MemberState {
  return create(MemberStateSchema, { member, status, incarnation });
}

const statusNames: Record<MemberStatus, MemberStatusName> = {
  [MemberStatus.UNSPECIFIED]: "dead",
  [MemberStatus.ALIVE]: "alive",
  [MemberStatus.SUSPECT]: "suspect",
  [MemberStatus.DEAD]: "dead",
  [MemberStatus.LEFT]: "left",
  [MemberStatus.DOWN]: "down",
};

/** The plain view of a member state. */
export function toClusterMember(state: MemberState): ClusterMember {
  const m = state.member as Member;
  return Object.freeze({
    name: m.name,
    host: m.host,
    port: m.port,
    system: m.system,
    address: memberAddress(m),
    roles: Object.freeze([...m.roles]),
    uid: m.uid,
    startedAtMs: m.startedAtMs,
    status: statusNames[state.status],
    incarnation: state.incarnation,
  });
}
