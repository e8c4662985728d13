import { create } from "@bufbuild/protobuf";
import type { Logger } from "@tsakt/actor";
import { type Clock, every, sleep } from "@tsakt/actor/internal";
import type { DiscoveryNode, DiscoveryProvider } from "@tsakt/discovery";
import { type Member, SyncSchema } from "./gen/tsakt/cluster/v1/cluster_pb.js";
import type { Membership } from "./membership.js";
import type { Messenger } from "./messenger.js";
import { shuffle } from "./shuffle.js";
import { hostPortOf, type MemberAddress } from "./transport.js";

/** Timing of joins and re-discovery. */
export interface JoinerSettings {
  clock: Clock;
  discoveryIntervalMs: number;
  joinTimeoutMs: number;
}

/**
 * Joins through discovery and keeps merging: registers this node, syncs full membership (push-pull) with every
 * discovered peer whose address is not a live member's, and every discoveryIntervalMs asks discovery again (late starters,
 * healed partitions) and syncs with one random member (anti-entropy for gossip that was lost).
 */
export class Joiner {
  private cancelTimer: (() => void) | undefined = undefined;
  private ticking = false;

  constructor(
    private readonly discovery: DiscoveryProvider,
    private readonly membership: Membership,
    private readonly messenger: Messenger,
    private readonly settings: JoinerSettings,
    private readonly logger: Logger,
    /** Runs at every tick after discovery, for housekeeping (pruning, sweeping). */
    private readonly onTick: () => void,
  ) {}

  /**
   * Registers this node in discovery (failures reject) and syncs with the peers found (failures are logged). With
   * `established`, keeps trying every discoveryIntervalMs until a running member answered (a node rejoining after
   * being downed must join the surviving cluster, not form one), or until `cancelled()`.
   */
  async join(self: DiscoveryNode, established = false, cancelled: () => boolean = () => false): Promise<void> {
    await this.discovery.register(self);
    // A rejoining node asks every peer each time: one it already knows as a member (from a peer that was not
    // established) may be the established cluster it is waiting for.
    while (!(await this.discoverAndSync(false, established)) && established && !cancelled())
      await sleep(this.settings.clock, this.settings.discoveryIntervalMs);
  }

  /** Starts periodic re-discovery. */
  start(): void {
    if (this.cancelTimer !== undefined) return;
    this.cancelTimer = every(this.settings.clock, this.settings.discoveryIntervalMs, () => void this.tick());
  }

  /** Stops periodic re-discovery. */
  stop(): void {
    this.cancelTimer?.();
    this.cancelTimer = undefined;
  }

  /** Exchanges full membership with the node at `address`; true when it answered as a running member. */
  async syncWith(address: MemberAddress): Promise<boolean> {
    return (await this.exchange(address))?.established ?? false;
  }

  /** Exchanges full membership with the node at `address` to hear what it says about itself; true when it answered. */
  async verifyWith(address: MemberAddress): Promise<boolean> {
    return (await this.exchange(address)) !== undefined;
  }

  /**
   * The sync exchange: this node's view out, the other's back. The answer is the answering member's own word about
   * itself when it comes from the address asked (a direct exchange); what it says of others is hearsay.
   */
  private async exchange(address: MemberAddress): Promise<{ established: boolean } | undefined> {
    try {
      const body = { case: "sync", value: create(SyncSchema, { states: this.membership.all() }) } as const;
      const reply = await this.messenger.request(address, body, this.settings.joinTimeoutMs);
      if (reply.body.case !== "sync" || reply.from === undefined) return undefined;
      const from = reply.from;
      this.membership.applyAll(reply.body.value.states, { from, direct: from.host === address.host && from.port === address.port });
      return { established: reply.body.value.established };
    } catch (error) {
      this.logger.debug({ err: error, peer: address.name }, "membership sync with a peer failed");
      return undefined;
    }
  }

  private async tick(): Promise<void> {
    if (this.ticking) return;
    this.ticking = true;
    try {
      await this.discoverAndSync(true);
      this.onTick();
    } finally {
      this.ticking = false;
    }
  }

  /** Syncs with discovered peers that are not live members (or all, with `everyPeer`) and one random member; true when a running member answered. */
  private async discoverAndSync(antiEntropy: boolean, everyPeer = false): Promise<boolean> {
    let peers: DiscoveryNode[] = [];
    try {
      peers = await this.discovery.discoverPeers();
    } catch (error) {
      this.logger.warn({ err: error }, "discovery failed to list peers; known members stay, retrying at the next interval");
    }
    const self = this.membership.self.member as Member;
    // Discovery may name nodes differently (static discovery names them "host:port"), so members match by address too.
    const live = new Set(this.membership.live().map((s) => hostPortOf(s.member as Member)));
    const synced = new Set<string>();
    const joins = peers
      .filter((peer) => peer.name !== self.name && (everyPeer || !live.has(hostPortOf(peer))))
      .map((peer) => {
        synced.add(peer.name);
        return this.syncWith({ name: peer.name, host: peer.host, port: peer.port });
      });
    if (antiEntropy) {
      const others = this.membership.live().filter((s) => s.member?.name !== self.name && !synced.has(s.member?.name ?? ""));
      const pick = shuffle(others)[0]?.member;
      if (pick !== undefined) joins.push(this.syncWith(pick));
    }
    return (await Promise.all(joins)).some(Boolean);
  }
}
