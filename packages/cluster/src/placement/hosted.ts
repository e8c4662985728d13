import type { ActorSystem, Logger } from "@tsakt/actor";
import type { Registry } from "../registry.js";
import { actorKeyPrefix } from "./options.js";

/** A cluster actor this node hosts. */
export interface HostedActor {
  readonly name: string;
  readonly kind: string;
  readonly role: string;
  /** Re-created elsewhere when this node goes. */
  readonly relocatable: boolean;
  /** Lives on the oldest member (of its role). */
  readonly singleton: boolean;
  /** The placement strategy it was placed with ("" when unknown). */
  readonly placement: string;
}

/** What HostedActors needs from the cluster. */
export interface HostedActorsHost {
  readonly system: ActorSystem;
  readonly logger: Logger;
  registry(): Registry;
  selfName(): string;
  isRunning(): boolean;
}

/**
 * The cluster actors that live on this node. When one stops on its own, its name is freed in the registry; when the
 * cluster stops it on purpose (leaving, downed, a singleton moving, a duplicate after a heal) the name stays, so the
 * registry's owner-lost report re-creates it elsewhere or the kept copy goes on.
 */
export class HostedActors {
  private readonly hosted = new Map<string, HostedActor>();
  /** Names being stopped on purpose: their stop must not free the name. */
  private readonly keepName = new Set<string>();

  constructor(private readonly host: HostedActorsHost) {}

  /** Records a cluster actor that now runs here. */
  note(actor: HostedActor): void {
    this.hosted.set(actor.name, actor);
  }

  /** The hosted actor `name`, or undefined. */
  get(name: string): HostedActor | undefined {
    return this.hosted.get(name);
  }

  /** Every hosted actor. */
  list(): HostedActor[] {
    return [...this.hosted.values()];
  }

  /** A local top-level actor stopped while the system runs: a hosted one's registry entry goes, unless it was stopped on purpose. */
  actorStopped(address: string): void {
    const { system } = this.host;
    const prefix = `${system.addressPrefix}/user/`;
    if (!address.startsWith(prefix)) return;
    const name = address.slice(prefix.length);
    if (!this.hosted.delete(name)) return;
    if (this.keepName.delete(name)) return;
    if (system.isRunning && this.host.isRunning()) this.free(name);
  }

  /** Removes this node's registry entry of `name`, so the name can be spawned again. */
  free(name: string): void {
    if (!this.host.isRunning()) return;
    void this.host
      .registry()
      .remove(actorKeyPrefix + name, { owner: this.host.selfName() })
      .catch((error: unknown) => this.host.logger.warn({ err: error, actor: name }, "could not free a stopped actor's cluster name"));
  }

  /** Stops the local actor `name` and keeps its registry entry (it moves, or another copy is kept); resolves once stopped. */
  async stopKeepingName(name: string): Promise<boolean> {
    const { system } = this.host;
    const pid = system.localActorOf(name);
    if (pid === undefined) {
      this.hosted.delete(name);
      return false;
    }
    this.keepName.add(name);
    try {
      await system.stopActor(pid);
    } catch {
      // Already stopping with the system: as good.
    } finally {
      this.hosted.delete(name);
      this.keepName.delete(name);
    }
    return true;
  }

  /** Stops every hosted actor `which` selects, keeping their names (before leaving or when downed). */
  async stopAll(which: (actor: HostedActor) => boolean): Promise<string[]> {
    const names = this.list()
      .filter(which)
      .map((a) => a.name);
    await Promise.all(names.map((name) => this.stopKeepingName(name)));
    return names;
  }
}
