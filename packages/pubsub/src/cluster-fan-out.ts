import { create, isMessage, type Registry } from "@bufbuild/protobuf";
import { anyPack, anyUnpack } from "@bufbuild/protobuf/wkt";
import type { ActorSystem, PID } from "@tsakt/actor";
import { hostOf } from "@tsakt/actor/internal";
import type { Cluster, ClusterEvent, ClusterMember } from "@tsakt/cluster";
import type { Remote } from "@tsakt/remote";
import { DedupWindow } from "./dedup-window.js";
import { PublicationNotSerializableError } from "./errors.js";
import type { PubSubFanOut } from "./fan-out.js";
import { type Publication, PublicationSchema, type TopicInterest, TopicInterestSchema } from "./gen/tsakt/pubsub/v1/cluster_pb.js";
import { InterestTable } from "./interest-table.js";
import type { FanOutCounts } from "./metrics.js";
import type { PubSub } from "./pubsub.js";

/** Publishers whose de-duplication windows are kept at most (8 MiB with the default window). */
const maxPublishers = 1024;

/** A live peer: its run and the PID of its gateway. */
interface Peer {
  readonly uid: string;
  readonly gateway: PID;
}

/** What a ClusterFanOut needs from its node. */
export interface ClusterFanOutParts {
  /** The node's system, for dead letters. */
  readonly system: ActorSystem;
  /** The running cluster: this member, the members and their changes. */
  readonly cluster: Cluster;
  /** Remoting, for the PIDs of the other nodes' gateways and of publishers. */
  readonly remote: Remote;
  /** Name of the gateway under /system on every node. */
  readonly gatewayName: string;
  /** Schemas of the messages that may cross nodes: remoting's registry (TsAkt's, the plugins' and the user's types). */
  readonly registry: Registry;
  /** Sequence numbers remembered per publisher. */
  readonly dedupWindow: number;
}

/**
 * The cluster side of pub/sub on one node: keeps this node's topic interest and the other nodes', sends each local
 * publication once to every node interested in its topic under a message id (publisher run + sequence number), and
 * delivers what peers send exactly once through the local mediator.
 */
export class ClusterFanOut implements PubSubFanOut, FanOutCounts {
  /** This run's publisher id, "<member name>#<uid>"; with a sequence number it identifies a publication. */
  readonly publisherId: string;
  /** Publications handed to other nodes, one per node. */
  forwarded = 0;
  /** Publications from peers dropped as repeats. */
  duplicates = 0;
  /** Publications from peers dropped because they could not be read here. */
  unreadable = 0;
  private readonly registry: Registry;
  private readonly interest = new InterestTable();
  private readonly peers = new Map<string, Peer>();
  private readonly windows = new Map<string, DedupWindow>();
  private readonly localTopics = new Set<string>();
  private seq = 0;
  private version = 0;
  private broadcastScheduled = false;
  private closed = true;
  private pubsub: PubSub | undefined;
  private unsubscribe: (() => void) | undefined;
  // The last sender address seen and its PID: consecutive publications mostly share a publisher.
  private lastSenderAddress = "";
  private lastSender: PID | undefined;

  constructor(private readonly parts: ClusterFanOutParts) {
    const self = parts.cluster.self;
    this.publisherId = `${self.name}#${self.uid}`;
    this.registry = parts.registry;
  }

  /** Sets the PubSub that publications from peers are delivered to; call before open. */
  attach(pubsub: PubSub): void {
    this.pubsub = pubsub;
  }

  /** Starts following membership, and sends this node's interest to every member (the gateway's preStart). */
  open(): void {
    this.closed = false;
    this.unsubscribe ??= this.parts.cluster.subscribe((event) => this.membershipChanged(event));
    const self = this.parts.cluster.self.name;
    for (const member of this.parts.cluster.members()) if (member.name !== self) this.addPeer(member);
    this.sendInterest();
  }

  /** Stops following membership and sending until opened again (the gateway's postStop); idempotent. */
  close(): void {
    this.closed = true;
    this.unsubscribe?.();
    this.unsubscribe = undefined;
  }

  /** Names of the other nodes this node knows to have subscribers of `topic`. */
  nodesInterestedIn(topic: string): string[] {
    return this.interest.nodesOf(topic).filter((name) => this.peers.has(name));
  }

  /** Records this node's interest in `topic` and sends the new set to every member (once per burst). */
  interestChanged(topic: string, interested: boolean): void {
    if (interested) this.localTopics.add(topic);
    else this.localTopics.delete(topic);
    this.version++;
    // Many subscriptions in one burst share one snapshot per peer.
    if (!this.broadcastScheduled) {
      this.broadcastScheduled = true;
      setImmediate(() => {
        this.broadcastScheduled = false;
        this.sendInterest();
      });
    }
  }

  /** Sends a local publication once to each live member interested in `topic`; returns how many it was handed to. */
  publish(topic: string, message: unknown, sender: PID | undefined): number {
    const nodes = this.interest.nodesOf(topic);
    if (nodes.length === 0 || this.closed) return 0;
    if (!isMessage(message)) throw new PublicationNotSerializableError(topic, typeNameOf(message));
    const schema = this.registry.getMessage(message.$typeName);
    if (schema === undefined) throw new PublicationNotSerializableError(topic, message.$typeName);
    const publication = create(PublicationSchema, {
      topic,
      publisher: this.publisherId,
      seq: ++this.seq,
      payload: anyPack(schema, message),
      sender: sender?.address ?? "",
    });
    let reached = 0;
    for (let i = 0; i < nodes.length; i++) {
      const peer = this.peers.get(nodes[i] as string);
      if (peer?.gateway.tell(publication)) reached++;
    }
    this.forwarded += reached;
    return reached;
  }

  /** A publication from a peer: delivered to local subscribers unless its id was delivered before. */
  receivePublication(publication: Publication, gateway: string): void {
    const pubsub = this.pubsub;
    if (pubsub === undefined || this.closed) return;
    if (!this.window(publication.publisher).accept(publication.seq)) {
      this.duplicates++;
      return;
    }
    let message: unknown;
    try {
      message = publication.payload === undefined ? undefined : anyUnpack(publication.payload, this.registry);
      if (message !== undefined) pubsub.deliverLocal(publication.topic, message, this.senderOf(publication.sender));
    } catch (error) {
      this.unreadable++;
      // Bytes that do not decode, or a topic that is not valid here: one peer's bad publication must not stop the gateway.
      hostOf(this.parts.system).deadLetter(
        publication,
        undefined,
        gateway,
        `pubsub dropped a publication from ${publication.publisher}: ${String(error)}`,
      );
      return;
    }
    if (message === undefined) {
      this.unreadable++;
      const reason = `pubsub cannot read a ${publication.payload?.typeUrl ?? "missing payload"} from ${publication.publisher}: pass its schema in remoting({ types }) on every node`;
      hostOf(this.parts.system).deadLetter(publication, undefined, gateway, reason);
    }
  }

  /** A peer's topic interest. */
  receiveInterest(snapshot: TopicInterest): void {
    if (snapshot.node !== this.parts.cluster.self.name) this.interest.apply(snapshot);
  }

  /** Sends this node's topic interest to every peer (the periodic repair of lost updates). */
  sendInterest(): void {
    if (this.closed) return;
    const snapshot = this.snapshot();
    for (const peer of this.peers.values()) peer.gateway.tell(snapshot);
  }

  private snapshot(): TopicInterest {
    const self = this.parts.cluster.self;
    return create(TopicInterestSchema, { node: self.name, uid: self.uid, version: this.version, topics: [...this.localTopics] });
  }

  private membershipChanged(event: ClusterEvent): void {
    if (event.type === "member-joined") {
      if (event.member.name !== this.parts.cluster.self.name) this.addPeer(event.member);
    } else if (event.type === "member-left") {
      const { name, uid } = event.member;
      if (this.peers.get(name)?.uid === uid) this.peers.delete(name);
      this.interest.forget(name, uid);
      this.windows.delete(`${name}#${uid}`);
    }
  }

  private addPeer(member: ClusterMember): void {
    if (this.peers.get(member.name)?.uid === member.uid) return;
    const gateway = this.parts.remote.pidOf(`${member.address}/system/${this.parts.gatewayName}`);
    this.peers.set(member.name, { uid: member.uid, gateway });
    if (!this.closed) gateway.tell(this.snapshot());
  }

  private window(publisher: string): DedupWindow {
    let window = this.windows.get(publisher);
    if (window === undefined) {
      // Departed publishers are forgotten on member-left; the cap bounds memory against ids of unknown origin.
      if (this.windows.size >= maxPublishers) this.windows.delete(this.windows.keys().next().value as string);
      window = new DedupWindow(this.parts.dedupWindow);
      this.windows.set(publisher, window);
    }
    return window;
  }

  private senderOf(address: string): PID | undefined {
    if (address === "") return undefined;
    if (address !== this.lastSenderAddress) {
      this.lastSender = this.parts.remote.pidOf(address);
      this.lastSenderAddress = address;
    }
    return this.lastSender;
  }
}

function typeNameOf(message: unknown): string {
  if (typeof message === "object" && message !== null) return message.constructor?.name ?? "object";
  return typeof message;
}
