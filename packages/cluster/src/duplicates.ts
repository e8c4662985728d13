import { create } from "@bufbuild/protobuf";
import type { ClusterEmitter } from "./cluster-emitter.js";
import type { Parts } from "./cluster-parts.js";
import { DuplicatesLostSchema, type Member, type RegistryEntry } from "./gen/tsakt/cluster/v1/cluster_pb.js";
import { DuplicateStoppedSchema } from "./gen/tsakt/cluster/v1/events_pb.js";
import { isLive } from "./member.js";
import { actorKeyPrefix } from "./placement/options.js";

/** Called on the owner of registry entries that lost a merge: stop what they name here. */
export type DuplicatesListener = (lost: readonly RegistryEntry[], kept: readonly RegistryEntry[]) => void | Promise<void>;

/**
 * Stops the copies that lost when registry copies merged with two owners for one key (after a healed partition, or
 * two clusters merging through discovery): every node that merges tells the losing owner, which stops its copy —
 * cluster actors and singletons here, grains through the listeners — with a DuplicateStopped event.
 */
export class Duplicates {
  readonly listeners = new Set<DuplicatesListener>();

  constructor(
    private readonly parts: () => Parts | undefined,
    private readonly emitter: ClusterEmitter,
  ) {}

  /** A merge found two owners of one key: the losing owner stops its copy (told directly when it is another node). */
  found(kept: RegistryEntry, lost: RegistryEntry): void {
    const parts = this.parts();
    if (parts === undefined) return;
    const self = parts.membership.self.member as Member;
    if (lost.owner === self.name && lost.ownerUid === self.uid) {
      void this.stop([lost], [kept]);
      return;
    }
    const owner = parts.membership.get(lost.owner);
    if (owner?.member === undefined || owner.member.uid !== lost.ownerUid || !isLive(owner)) return;
    parts.messenger.send(owner.member, { case: "duplicatesLost", value: create(DuplicatesLostSchema, { lost: [lost], kept: [kept] }) });
  }

  async stop(lost: readonly RegistryEntry[], kept: readonly RegistryEntry[]): Promise<void> {
    const parts = this.parts();
    if (parts === undefined) return;
    const self = parts.membership.self.member as Member;
    const mine = lost.filter((e) => e.ownerUid === self.uid);
    const others: RegistryEntry[] = [];
    for (const entry of mine) {
      if (!entry.key.startsWith(actorKeyPrefix)) {
        others.push(entry);
        continue;
      }
      const name = entry.key.slice(actorKeyPrefix.length);
      const address = parts.system.localActorOf(name)?.address ?? "";
      if (!(await parts.placement.stopDuplicate(name))) continue;
      const keptOwner = kept.find((k) => k.key === entry.key)?.owner ?? "";
      parts.system.logger.warn({ actor: name, kept: keptOwner }, "stopped a duplicate cluster actor after a merge");
      this.emitter.publish(DuplicateStoppedSchema, { key: entry.key, address, keptOwner });
    }
    if (others.length === 0) return;
    for (const listener of [...this.listeners]) {
      try {
        await listener(others, kept);
      } catch (error) {
        parts.system.logger.error({ err: error }, "a duplicates listener failed");
      }
    }
  }
}
