import type { ClusterMember } from "./member.js";

/** A membership change as the local node saw it; the same changes are published on the system's event stream. */
export type ClusterEvent =
  /** A member became reachable: it joined, or came back after being declared dead (published as NodeJoined). */
  | { readonly type: "member-joined"; readonly member: ClusterMember }
  /** A member was declared dead (status "dead") or left gracefully (status "left") (published as NodeLeft). */
  | { readonly type: "member-left"; readonly member: ClusterMember }
  /** The oldest live member changed; undefined when this node stopped (published as LeaderChanged). */
  | { readonly type: "leader-changed"; readonly leader: ClusterMember | undefined; readonly previous: ClusterMember | undefined };

/** Receives cluster events; it runs synchronously inside the cluster, so it should be quick and not throw. */
export type ClusterEventListener = (event: ClusterEvent) => void;
