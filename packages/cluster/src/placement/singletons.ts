import { create } from "@bufbuild/protobuf";
import type { ActorSystem, PID } from "@tsakt/actor";
import { type PlacedActor, PlacedActorSchema } from "../gen/tsakt/cluster/v1/placement_pb.js";
import type { ClusterMember } from "../member.js";
import type { Registry } from "../registry.js";
import type { HostedActors } from "./hosted.js";
import { actorKeyPrefix } from "./options.js";

/** What moving singletons needs from placement. */
export interface SingletonHost {
  readonly system: ActorSystem;
  readonly hosted: HostedActors;
  registry(): Registry;
  self(): ClusterMember;
  leader(role?: string): ClusterMember | undefined;
  isRunning(): boolean;
  place(name: string, kind: string, placed: PlacedActor, target: ClusterMember): Promise<{ pid: PID }>;
  /** Falls back to relocation (retries with backoff) when a move could not place the singleton. */
  relocate(name: string, kind: string, placed: PlacedActor): void;
}

/**
 * Keeps each singleton on the oldest member of its role: when that changes, the node hosting it stops it first,
 * withdraws its registry entry, then places it on the new oldest member — never two copies at once.
 */
export class SingletonMover {
  private readonly moving = new Set<string>();

  constructor(private readonly host: SingletonHost) {}

  /** Membership changed (a leader may have changed): moves the singletons this node should no longer host. */
  leadersChanged(): void {
    if (!this.host.isRunning()) return;
    const self = this.host.self().name;
    for (const actor of this.host.hosted.list()) {
      if (!actor.singleton || this.moving.has(actor.name)) continue;
      const target = this.host.leader(actor.role === "" ? undefined : actor.role);
      if (target === undefined || target.name === self || target.status !== "alive") continue;
      void this.move(actor.name, actor.kind, actor.role, target);
    }
  }

  private async move(name: string, kind: string, role: string, target: ClusterMember): Promise<void> {
    this.moving.add(name);
    const log = this.host.system.logger;
    const placed = create(PlacedActorSchema, { singleton: true, relocatable: true, role });
    try {
      await this.host.hosted.stopKeepingName(name);
      await this.host.registry().remove(actorKeyPrefix + name, { owner: this.host.self().name });
      const { pid } = await this.host.place(name, kind, placed, target);
      log.info({ singleton: name, to: target.name, address: pid.address }, "moved singleton to the oldest member");
    } catch (error) {
      log.info({ err: error, singleton: name, to: target.name }, "moving a singleton failed; relocating it");
      this.host.relocate(name, kind, placed);
    } finally {
      this.moving.delete(name);
    }
  }
}
