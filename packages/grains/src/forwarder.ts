import type { ActorSystem, PID } from "@tsakt/actor";
import type { GrainIdentity } from "./identity.js";

/** Most times one message is forwarded between nodes before it fails with GrainOwnedElsewhereError. */
export const maxForwardHops = 3;

/** What the grains runtime offers a forwarder: delivery of messages that other nodes forwarded here. */
export interface GrainForwardTarget {
  /** This node's address prefix. */
  readonly node: string;
  /** The actor system the grains run on. */
  readonly system: ActorSystem;
  /** Delivers a message forwarded from another node (an ask arrives as one, see GrainForwarder.forward). */
  deliverForwarded(identity: GrainIdentity, message: unknown, sender: PID | undefined, hops: number): void;
  /** Asks the grain forwarded here and resolves with its reply. */
  askForwarded(identity: GrainIdentity, message: unknown, hops: number, timeoutMs: number): Promise<unknown>;
  /** The node left: identities cached as owned by it are placed again on their next message. */
  ownerGone(node: string): void;
  /** Active grains on this node. */
  activeCount(): number;
}

/**
 * Carries messages of grains owned by other nodes to those nodes' grain managers: the seam `@tsakt/grains/cluster`
 * implements over remoting. Without one, a grain owned elsewhere fails with GrainOwnedElsewhereError.
 */
export interface GrainForwarder {
  /** Short name for logs, for example "cluster". */
  readonly name: string;
  /** Called once when the grains start, with what the forwarder may call back. */
  start(target: GrainForwardTarget): void;
  /** Sends a tell to the grain manager of `node`; `hops` counts this forward. */
  tell(node: string, identity: GrainIdentity, message: unknown, sender: PID | undefined, hops: number): void;
  /** Asks the grain on `node`; resolves with the reply or rejects with the grain's (or the network's) error. */
  ask(node: string, identity: GrainIdentity, message: unknown, hops: number, timeoutMs: number): Promise<unknown>;
  /** True for a message of the forwarder's protocol, which the grain manager passes to `receive`. */
  accepts(message: unknown): boolean;
  /** Handles a protocol message the grain manager received from another node. */
  receive(message: unknown, sender: PID | undefined): void;
  /** Called when the grains stop. */
  stop(): void;
}
