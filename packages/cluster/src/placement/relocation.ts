import { create } from "@bufbuild/protobuf";
import { ActorAlreadyExistsError, type ActorSystem, isTsaktError, type PID } from "@tsakt/actor";
import { type Clock, messageOfError, sleep } from "@tsakt/actor/internal";
import { NoEligibleMemberError } from "../errors.js";
import type { RegistryEntry } from "../gen/tsakt/cluster/v1/cluster_pb.js";
import { RelocationFailedSchema } from "../gen/tsakt/cluster/v1/events_pb.js";
import type { PlacedActor } from "../gen/tsakt/cluster/v1/placement_pb.js";
import type { ClusterMember } from "../member.js";
import { actorKeyPrefix, type PlacementStrategy, strategyOf } from "./options.js";

/** First pause after a failed relocation attempt; it doubles up to maxRetryMs. */
const firstRetryMs = 100;
const maxRetryMs = 5000;

/** What relocation needs from placement. */
export interface RelocationHost {
  readonly system: ActorSystem;
  readonly clock: Clock;
  isRunning(): boolean;
  /** Relocation of a newer run of this node, once it runs: an unfinished relocation moves on to it. */
  successor(): { relocateEntry(entry: RegistryEntry, placed: PlacedActor): Promise<void> } | undefined;
  leader(role?: string): ClusterMember | undefined;
  members(): ClusterMember[];
  choose(strategy: PlacementStrategy, role: string, what: string, exclude: ReadonlySet<string>): Promise<ClusterMember>;
  place(name: string, kind: string, placed: PlacedActor, target: ClusterMember): Promise<{ pid: PID }>;
  /** Removes the lost owner's entry of a relocation given up. */
  forget(entry: RegistryEntry): Promise<void>;
  /** The registry's entry of `key` now (undefined when none). */
  current(key: string): Promise<RegistryEntry | undefined>;
}

/**
 * Re-creates the relocatable actors and singletons of a lost member on survivors: retries with exponential backoff
 * (100 ms doubling to 5 s) until it succeeds, another node re-created it first, the cluster stops here, or every
 * eligible member says the kind is not registered there. Each failed attempt is a RelocationFailed event.
 */
export class Relocator {
  /** Actors this node re-created (for metrics). */
  relocations = 0;

  constructor(private readonly host: RelocationHost) {}

  /** Keys being relocated here: a second report of one (the entry stays until re-created) joins the first. */
  private readonly running = new Map<string, Promise<void>>();

  /** Relocates what `entry` names; resolves when done or given up. */
  relocate(entry: RegistryEntry, placed: PlacedActor): Promise<void> {
    const running = this.running.get(entry.key);
    if (running !== undefined) return running;
    const work = this.attempt(entry, placed).finally(() => this.running.delete(entry.key));
    this.running.set(entry.key, work);
    return work;
  }

  private async attempt(entry: RegistryEntry, placed: PlacedActor): Promise<void> {
    const name = entry.key.slice(actorKeyPrefix.length);
    const { system } = this.host;
    const log = system.logger;
    const lacking = new Set<string>();
    let delay = firstRetryMs;
    for (let attempt = 1; ; attempt++) {
      // A node that is still joining may get reports; it relocates once it runs. A stopped one gives up. A node downed
      // and rejoined as a new run goes on in the new run: the report came once, and nobody else may have it.
      if (!system.isRunning) return;
      const next = this.host.successor();
      if (next !== undefined) return next.relocateEntry(entry, placed);
      let reason: string;
      let target: ClusterMember | undefined;
      try {
        if (!this.host.isRunning()) throw new Error("the cluster is not running on this node yet");
        target = placed.singleton
          ? this.host.leader(placed.role === "" ? undefined : placed.role)
          : await this.host.choose(strategyOf(placed.placement), placed.role, `actor "${name}"`, lacking);
        if (target === undefined) throw new NoEligibleMemberError(placed.role, `relocated actor "${name}"`);
        const { pid } = await this.host.place(name, entry.kind, placed, target);
        this.relocations++;
        log.info({ actor: name, kind: entry.kind, from: entry.owner, to: target.name, address: pid.address }, "relocated cluster actor");
        return;
      } catch (error) {
        reason = messageOfError(error);
        // Another node re-created it first: the name is taken again, which is what relocation wants. Unless the entry
        // still names the lost owner: the primary that answered has not learned yet that the owner is gone.
        if (error instanceof ActorAlreadyExistsError) {
          const now = await this.host.current(entry.key).catch(() => entry);
          if (now !== undefined && now.ownerUid !== entry.ownerUid) return;
          reason = "the registry still names the lost owner (its primary has not learned yet that the owner is gone)";
        }
        if (isTsaktError(error, "KindNotRegistered") && target !== undefined) lacking.add(target.name);
      }
      const eligible = this.host.members().filter((m) => placed.role === "" || m.roles.includes(placed.role));
      const givingUp = eligible.length > 0 && eligible.every((m) => lacking.has(m.name));
      system.eventStream.publish(
        create(RelocationFailedSchema, { name, kind: entry.kind, attempt, reason, nextAttemptInMs: givingUp ? 0 : delay }),
      );
      if (givingUp) {
        log.error(
          { actor: name, kind: entry.kind },
          "no live member registers this kind, so the actor cannot be relocated; register it in cluster({ kinds }) on every node",
        );
        await this.host.forget(entry);
        return;
      }
      log.info({ actor: name, kind: entry.kind, attempt, err: reason, retryInMs: delay }, "relocation attempt failed; retrying");
      await sleep(this.host.clock, delay);
      delay = Math.min(maxRetryMs, delay * 2);
    }
  }
}
