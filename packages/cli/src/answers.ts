// The parts of the management endpoint's JSON answers the tsakt command prints (the full shapes are in
// @tsakt/management's published schema; this package speaks HTTP only and does not depend on it).

/** A node's numbers (GET /node, and `node` in GET /status). */
export interface NodeAnswer {
  node: string;
  address: string;
  system: string;
  uptimeSec: number;
  actors: number;
  processed: number;
  mailboxDepth: number;
  deadLetters: number;
  restarts: number;
  grains: { enabled: boolean; active: number; kinds: Array<{ kind: string; active: number }> };
  url: string;
}

/** GET /status. */
export interface StatusAnswer {
  node: NodeAnswer;
  alive: boolean;
  ready: boolean;
  reasons: string[];
  cluster?: {
    self: string;
    leader: string | null;
    members: number;
    unreachable: number;
    registry: { partitions: number; primaryPartitions: number; heldPartitions: number; localEntries: number } | null;
  };
}

/** One member in GET /cluster/members. */
export interface MemberAnswer {
  name: string;
  address: string;
  status: string;
  roles: string[];
  uid: string;
  startedAtMs: number;
  datacenter: string;
  leader: boolean;
  self: boolean;
}

/** GET /cluster/members. */
export interface MembersAnswer {
  self: string;
  leader: string | null;
  members: MemberAnswer[];
  unreachable: string[];
}

/** A page of actors. */
export interface ActorPageAnswer {
  node: string;
  under: string;
  total: number;
  offset: number;
  limit: number;
  actors: Array<{ path: string; depth: number; state: string; mailbox: number; processed: number; children: number }>;
}

/** PUT /cluster/members/<name>. */
export interface OperationAnswer {
  member: string;
  operation: string;
  accepted: boolean;
}

/** POST /actors/ask. */
export interface AskAnswer {
  name: string;
  type: string;
  message: unknown;
}
