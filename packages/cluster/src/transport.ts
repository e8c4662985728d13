import type { ClusterMessage } from "./gen/tsakt/cluster/v1/cluster_pb.js";

/** Where a cluster node is reached: its unique name and the host and port its remoting listens on. */
export interface MemberAddress {
  /** Unique node name within the cluster. */
  readonly name: string;
  /** Host or IP the node listens on. */
  readonly host: string;
  /** The node's port (remoting's port: the cluster needs no other). */
  readonly port: number;
}

/** Answers a request; call it at most once. */
export type ClusterReply = (message: ClusterMessage) => void;

/**
 * Receives a cluster message; `reply` is set when the sender made a request and waits for an answer.
 * The sender is named inside the message (`message.from`), so a transport needs to know nothing about members.
 */
export type ClusterMessageHandler = (message: ClusterMessage, reply: ClusterReply | undefined) => void;

/**
 * How cluster nodes exchange cluster messages: remoting implements it over its TCP connections, tests use
 * InMemoryClusterNetwork. Messages are protobuf `ClusterMessage`s, so one registered type crosses the wire.
 */
export interface ClusterTransport {
  /** This node's address. */
  readonly self: MemberAddress;
  /** Sends without waiting for an answer; a message that cannot be delivered is dropped silently. */
  send(to: MemberAddress, message: ClusterMessage): void;
  /** Sends and resolves with the receiver's reply; rejects when none arrives within `timeoutMs` or the peer is unreachable. */
  request(to: MemberAddress, message: ClusterMessage, timeoutMs: number): Promise<ClusterMessage>;
  /** Sets the one handler of incoming messages (a later call replaces it). */
  onMessage(handler: ClusterMessageHandler): void;
  /** Stops delivering messages in both directions; pending requests reject. Idempotent. */
  close(): Promise<void>;
}

/** "host:port", with an IPv6 host in brackets; how transports key their peers. */
export function hostPortOf(address: Pick<MemberAddress, "host" | "port">): string {
  return address.host.includes(":") ? `[${address.host}]:${address.port}` : `${address.host}:${address.port}`;
}
