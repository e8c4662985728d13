// The JSON the management endpoint serves (see the package's schema), as the dashboard reads it.

/** One periodic sample of a node. */
export interface StatsSample {
  at: number;
  messagesPerSec: number;
  mailboxDepth: number;
  actors: number;
  grains: number;
}

/** Active grains of one kind. */
export interface GrainKindStats {
  kind: string;
  active: number;
}

/** A node's numbers now. */
export interface NodeStats {
  node: string;
  address: string;
  system: string;
  uptimeSec: number;
  actors: number;
  processed: number;
  mailboxDepth: number;
  deadLetters: number;
  restarts: number;
  grains: { enabled: boolean; active: number; kinds: GrainKindStats[] };
  url: string;
}

/** A node's numbers with its recent samples; reachable is false when it did not answer the last poll. */
export interface NodeSnapshot {
  stats: NodeStats;
  samples: StatsSample[];
  reachable: boolean;
}

/** A cluster member. */
export interface Member {
  name: string;
  address: string;
  status: "alive" | "suspect" | "dead" | "left";
  roles: string[];
  uid: string;
  startedAtMs: number;
  incarnation: number;
  datacenter: string;
  leader: boolean;
  self: boolean;
}

/** One entry of the cluster event log. */
export interface ClusterEventEntry {
  at: number;
  type: "member-joined" | "member-left" | "leader-changed";
  member?: string;
  status?: string;
  leader?: string | null;
  previous?: string | null;
}

/** What the live stream's "hello" carries. */
export interface Snapshot {
  self: string;
  system: string;
  cluster: boolean;
  leader: string | null;
  members: Member[];
  events: ClusterEventEntry[];
  nodes: NodeSnapshot[];
}

/** The "members" event. */
export interface MembersUpdate {
  leader: string | null;
  members: Member[];
}

/** One actor of a node. */
export interface ActorEntry {
  path: string;
  depth: number;
  state: string;
  mailbox: number;
  processed: number;
  children: number;
}

/** A page of a node's actors. */
export interface ActorPage {
  node: string;
  under: string;
  total: number;
  offset: number;
  limit: number;
  actors: ActorEntry[];
}
