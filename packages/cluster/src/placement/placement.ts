import { create, isMessage, toBinary } from "@bufbuild/protobuf";
import { ActorAlreadyExistsError, ActorStoppedSchema, type ActorSystem, InvalidOptionError, isTsaktError, type PID } from "@tsakt/actor";
import { hostOf, sleep } from "@tsakt/actor/internal";
import { KindNotRegisteredError, type Remote, remoteOf } from "@tsakt/remote";
import { NoEligibleMemberError } from "../errors.js";
import { type RegistryEntry, RegistryEntrySchema } from "../gen/tsakt/cluster/v1/cluster_pb.js";
import {
  type Hosted,
  HostedSchema,
  LoadQuerySchema,
  LoadReportSchema,
  type PlacedActor,
  PlacedActorSchema,
} from "../gen/tsakt/cluster/v1/placement_pb.js";
import type { ClusterMember } from "../member.js";
import type { ClusterSettings } from "../options.js";
import type { Registry } from "../registry.js";
import { PlacementEndpoint } from "./endpoint.js";
import { HostedActors } from "./hosted.js";
import {
  actorKeyPrefix,
  decodePlaced,
  endpointName,
  type PlacementStrategy,
  retryPauseMs,
  type SingletonOptions,
  type SpawnOnOptions,
  strategies,
  validateName,
} from "./options.js";
import { Relocator } from "./relocation.js";
import { SingletonMover } from "./singletons.js";

/** What placement needs from the running cluster. */
export interface PlacementHost {
  readonly system: ActorSystem;
  readonly settings: ClusterSettings;
  registry(): Registry;
  members(): ClusterMember[];
  self(): ClusterMember;
  leader(role?: string): ClusterMember | undefined;
  /** True while this run of the cluster is the one running. */
  isRunning(): boolean;
  /** The placement of a newer run of this node once it runs (the node rejoined); undefined while this run is current. */
  successor(): ActorPlacement | undefined;
}

const loadQueryTimeoutMs = 500;
/** How long the owner named by the registry may take to confirm an actor during actorOf. */
const ownerLookupTimeoutMs = 1000;
/** How long a remote spawn that got no answer is given to show up before its claim is freed. */
const spawnSettleMs = 10_000;
/** Spawn failures that do not tell whether the actor was created. */
const ambiguous: ReadonlySet<string> = new Set(["AskTimeout", "RemoteUnreachable"]);

/**
 * Cluster-wide actors: claims a name in the registry (so it is unique cluster-wide), spawns the actor by kind on the
 * chosen member, finds it by name from any node, re-creates relocatable actors and singletons on survivors when
 * their node goes (from the registry's owner-lost reports), and keeps singletons on the oldest member.
 */
export class ActorPlacement {
  private nextIndex = 0;
  private lastDeparture = -Infinity;
  private remote: Remote | undefined = undefined;
  private unsubscribe: (() => void) | undefined = undefined;
  private endpoint: PID | undefined = undefined;
  /** Names spawnOn is spawning on this node right now; their claim is already in the registry. */
  private readonly placing = new Set<string>();
  /** The cluster actors this node hosts. */
  readonly hosted: HostedActors;
  private readonly relocator: Relocator;

  /** Actors this node re-created after their member was lost. */
  get relocations(): number {
    return this.relocator.relocations;
  }
  private readonly singletons: SingletonMover;

  constructor(private readonly host: PlacementHost) {
    this.hosted = new HostedActors({
      system: host.system,
      logger: host.system.logger,
      registry: () => host.registry(),
      selfName: () => host.self().name,
      isRunning: () => host.isRunning(),
    });
    const place = (name: string, kind: string, placed: PlacedActor, target: ClusterMember) => this.place(name, kind, placed, target);
    this.relocator = new Relocator({
      system: host.system,
      clock: host.settings.clock,
      isRunning: () => host.isRunning(),
      successor: () => host.successor(),
      leader: (role) => host.leader(role),
      members: () => host.members(),
      choose: (strategy, role, what, exclude) => this.choose(strategy, role, what, exclude),
      place,
      current: (key) => host.registry().get(key),
      // Given up (no member registers the kind): the entry that stayed for relocation goes.
      forget: async (entry) => {
        await host
          .registry()
          .remove(entry.key, { owner: entry.owner })
          .catch(() => false);
      },
    });
    this.singletons = new SingletonMover({
      system: host.system,
      hosted: this.hosted,
      registry: () => host.registry(),
      self: () => host.self(),
      leader: (role) => host.leader(role),
      isRunning: () => host.isRunning(),
      place,
      relocate: (name, kind, placed) =>
        void this.relocator.relocate(create(RegistryEntrySchema, { key: actorKeyPrefix + name, kind }), placed),
    });
  }

  /** Registers the kinds with remoting (when it runs) and starts the load endpoint and the stop watcher. */
  async start(): Promise<void> {
    const { system, settings } = this.host;
    try {
      this.remote = remoteOf(system);
    } catch {
      // Without remoting this node can only place actors on itself; cross-node placement needs remoting.
      this.remote = undefined;
    }
    for (const [name, kind] of settings.kinds) this.remote?.registerKind(name, kind);
    this.endpoint = await hostOf(system).spawnSystemActor(
      endpointName,
      () => new PlacementEndpoint(system, (note) => this.noteHosted(note)),
    );
    this.unsubscribe = system.eventStream.subscribe((event) => {
      if (isMessage(event, ActorStoppedSchema)) this.hosted.actorStopped(event.address);
    });
  }

  /** Stops watching local actors and stops the load endpoint. */
  async stop(): Promise<void> {
    this.unsubscribe?.();
    this.unsubscribe = undefined;
    const endpoint = this.endpoint;
    this.endpoint = undefined;
    // The system may be stopping it already (system.stop()), which is as good.
    if (endpoint !== undefined) await this.host.system.stopActor(endpoint).catch(() => undefined);
  }

  /** Notes a departure: for a while, a missing name may be a relocation in progress, so lookups retry. */
  memberLeft(): void {
    this.lastDeparture = this.host.settings.clock.now();
  }

  /** The leader of some role may have changed: singletons hosted here move to their new oldest member. */
  leadersChanged(): void {
    this.singletons.leadersChanged();
  }

  /** Stops the relocatable actors and singletons hosted here, keeping their names, so survivors re-create them. */
  stopRelocatable(): Promise<string[]> {
    return this.hosted.stopAll((a) => a.relocatable || a.singleton);
  }

  /** Stops the local copy of `name`, whose registry entry names another owner now; true when there was one. */
  stopDuplicate(name: string): Promise<boolean> {
    return this.hosted.stopKeepingName(name);
  }

  /** Claims `name` cluster-wide and spawns an actor of `kind` on the member placement picks. */
  async spawnOn(name: string, kind: string, options: SpawnOnOptions = {}): Promise<PID> {
    validateName(name);
    this.validateKind(kind);
    if (typeof options !== "object" || options === null)
      throw new InvalidOptionError("options", "must be an object { placement?, role?, relocatable? }");
    const placement = options.placement ?? "round-robin";
    if (!strategies.has(placement))
      throw new InvalidOptionError("placement", `must be one of ${[...strategies].join(", ")}, got ${String(placement)}`);
    if (options.role !== undefined && (typeof options.role !== "string" || options.role.length === 0))
      throw new InvalidOptionError("role", "must be a non-empty string");
    if (options.relocatable !== undefined && typeof options.relocatable !== "boolean")
      throw new InvalidOptionError("relocatable", "must be a boolean");
    const placed = create(PlacedActorSchema, { relocatable: options.relocatable ?? true, role: options.role ?? "", placement });
    const target = await this.choose(placement, placed.role, `actor "${name}"`);
    const { pid } = await this.place(name, kind, placed, target);
    return pid;
  }

  /** Spawns the singleton `name` on the oldest member (with `role`), or returns the one that already runs somewhere. */
  async spawnSingleton(name: string, kind: string, options: SingletonOptions = {}): Promise<PID> {
    validateName(name);
    this.validateKind(kind);
    if (typeof options !== "object" || options === null) throw new InvalidOptionError("options", "must be an object { role? }");
    if (options.role !== undefined && (typeof options.role !== "string" || options.role.length === 0))
      throw new InvalidOptionError("role", "must be a non-empty string");
    const role = options.role ?? "";
    const target = this.host.leader(role === "" ? undefined : role);
    if (target === undefined) throw new NoEligibleMemberError(role, `singleton "${name}"`);
    const placed = create(PlacedActorSchema, { singleton: true, relocatable: true, role });
    try {
      return (await this.place(name, kind, placed, target)).pid;
    } catch (error) {
      if (!(error instanceof ActorAlreadyExistsError)) throw error;
      const existing = await this.resolve(name);
      if (existing === undefined) throw error;
      return existing;
    }
  }

  /**
   * The PID of the cluster actor `name`, on whichever node it lives; undefined when the name is not registered.
   * Retries for up to lookupRetryMs while its owner is suspect or gone, or while a relocation may be under way.
   */
  async resolve(name: string): Promise<PID | undefined> {
    if (name.includes("/") || name.startsWith("tsakt:") || !this.host.isRunning()) return undefined;
    const clock = this.host.settings.clock;
    const deadline = clock.now() + this.host.settings.lookupRetryMs;
    let fallback: PID | undefined;
    for (;;) {
      // A registry that is briefly unavailable (membership settling) is worth another try, like a hand-off.
      const found = await this.lookupOnce(name).catch(() => "retry" as const);
      if (typeof found === "object") {
        if (found.settled) return found.pid;
        fallback = found.pid;
      }
      const relocating = clock.now() - this.lastDeparture < this.host.settings.lookupRetryMs;
      if (found === "absent" && !relocating) return undefined;
      if (clock.now() >= deadline || !this.host.isRunning()) return fallback;
      await sleep(clock, retryPauseMs);
    }
  }

  /** Relocates what `entry` names (a relocation an older run of this node could not finish). */
  relocateEntry(entry: RegistryEntry, placed: PlacedActor): Promise<void> {
    return this.relocator.relocate(entry, placed);
  }

  /** Re-creates the relocatable actors and singletons among `entries` (owner-lost reports) on survivors. */
  ownerLost(entries: RegistryEntry[]): void {
    this.memberLeft();
    for (const entry of entries) {
      const placed = relocatable(entry);
      if (placed !== undefined) void this.relocator.relocate(entry, placed);
    }
  }

  /** True for a relocatable actor or singleton: its entry stays, naming the lost owner, until it is re-created. */
  keepsWhenLost(entry: RegistryEntry): boolean {
    return relocatable(entry) !== undefined;
  }

  /** Claims the name for `target`, then spawns there; the claim is withdrawn when the spawn fails. */
  private async place(name: string, kind: string, placed: PlacedActor, target: ClusterMember): Promise<{ pid: PID }> {
    const registry = this.host.registry();
    const key = actorKeyPrefix + name;
    const { created } = await registry.putIfAbsent(key, { kind, data: toBinary(PlacedActorSchema, placed), owner: target.name });
    if (!created) throw new ActorAlreadyExistsError(name);
    try {
      return { pid: await this.spawnAt(target, name, kind, placed) };
    } catch (error) {
      // A remote spawn that got no answer may have happened all the same (its reply was late or lost): freeing the
      // name then would let the next attempt start a second copy. The claim stays until the target shows the actor,
      // or is gone (its claims go with it and are relocated), or long enough that the request cannot be pending.
      if (target.name !== this.host.self().name && isTsaktError(error) && ambiguous.has(error.code)) {
        const pid = await this.spawnedAnyway(target, name);
        if (pid !== undefined) {
          this.tellHosted(target, name, kind, placed);
          return { pid };
        }
        if (!this.host.members().some((m) => m.name === target.name && m.uid === target.uid)) throw error;
      }
      await registry.remove(key, { owner: target.name }).catch(() => undefined);
      throw error;
    }
  }

  /** The actor `name` on `target`, if it shows up within spawnSettleMs (the target still a member), else undefined. */
  private async spawnedAnyway(target: ClusterMember, name: string): Promise<PID | undefined> {
    const { clock } = this.host.settings;
    const until = clock.now() + spawnSettleMs;
    while (this.remote !== undefined && this.host.isRunning() && clock.now() < until) {
      if (!this.host.members().some((m) => m.name === target.name && m.uid === target.uid)) return undefined;
      const pid = await this.remote.lookup(`${target.address}/user/${name}`, { timeoutMs: ownerLookupTimeoutMs }).catch(() => undefined);
      if (pid !== undefined) return pid;
      await sleep(clock, ownerLookupTimeoutMs / 2);
    }
    return undefined;
  }

  private async spawnAt(target: ClusterMember, name: string, kind: string, placed: PlacedActor): Promise<PID> {
    const { system, settings } = this.host;
    if (target.name === this.host.self().name) {
      const registered = settings.kinds.get(kind);
      if (registered === undefined) throw new KindNotRegisteredError(kind, system.addressPrefix);
      this.placing.add(name);
      try {
        const pid = await system.spawn(name, registered.factory, registered.options);
        this.hosted.note({ name, kind, ...hostedFlags(placed) });
        return pid;
      } finally {
        this.placing.delete(name);
      }
    }
    if (this.remote === undefined)
      throw new InvalidOptionError("placement", `member "${target.name}" is remote and remoting is not running on this node`);
    const pid = await this.remote.spawn(target.address, name, kind);
    this.tellHosted(target, name, kind, placed);
    return pid;
  }

  /** Tells `target` that it hosts `name` as placed, so it stops or moves it when it leaves. */
  private tellHosted(target: ClusterMember, name: string, kind: string, placed: PlacedActor): void {
    this.remote?.pidOf(`${target.address}/system/${endpointName}`).tell(create(HostedSchema, { name, kind, ...hostedFlags(placed) }));
  }

  /**
   * One registry lookup: "absent" when the name is not registered, "retry" when its owner is gone (its entries are
   * about to be reported and relocated) or it is registered here but not started yet, else the PID, `settled` unless
   * its owner is suspect.
   */
  private async lookupOnce(name: string): Promise<"absent" | "retry" | { pid: PID; settled: boolean }> {
    const entry = await this.host.registry().get(actorKeyPrefix + name);
    if (entry === undefined) return "absent";
    const owner = this.host.members().find((m) => m.name === entry.owner && m.uid === entry.ownerUid);
    if (owner === undefined) return "retry";
    if (owner.name === this.host.self().name) {
      const local = this.host.system.localActorOf(name);
      return local === undefined ? "retry" : { pid: local, settled: true };
    }
    if (this.remote === undefined) return "absent";
    // The registry names a new owner a moment before the actor exists there (a placement or relocation in flight):
    // the owner confirms the actor, and "not there yet" is retried like a hand-off instead of handing out a dead PID.
    const pid = await this.remote.lookup(`${owner.address}/user/${name}`, { timeoutMs: ownerLookupTimeoutMs }).catch(() => undefined);
    return pid === undefined ? "retry" : { pid, settled: owner.status === "alive" };
  }

  /** Picks a live (not suspect) member with `role` by `strategy`, skipping `exclude`. */
  private async choose(
    strategy: PlacementStrategy,
    role: string,
    what: string,
    exclude: ReadonlySet<string> = new Set(),
  ): Promise<ClusterMember> {
    const self = this.host.self();
    if (strategy === "local") {
      if (role !== "" && !self.roles.includes(role)) throw new NoEligibleMemberError(role, `${what} on this node`);
      return self;
    }
    const candidates = this.host
      .members()
      .filter((m) => m.status === "alive" && (role === "" || m.roles.includes(role)) && !exclude.has(m.name))
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    if (candidates.length === 0) throw new NoEligibleMemberError(role, what);
    if (strategy === "random") return candidates[Math.floor(Math.random() * candidates.length)] as ClusterMember;
    if (strategy === "least-load") return this.leastLoaded(candidates);
    return candidates[this.nextIndex++ % candidates.length] as ClusterMember;
  }

  /** Asks every candidate for its actor count (a member that does not answer in time is skipped); the fewest wins. */
  private async leastLoaded(candidates: ClusterMember[]): Promise<ClusterMember> {
    const self = this.host.self();
    const query = create(LoadQuerySchema);
    const loads = await Promise.all(
      candidates.map(async (m) => {
        if (m.name === self.name) return this.host.system.actorCount;
        if (this.remote === undefined) return Infinity;
        try {
          const report = await this.remote.pidOf(`${m.address}/system/${endpointName}`).ask(query, { timeoutMs: loadQueryTimeoutMs });
          return isMessage(report, LoadReportSchema) ? report.actors : Infinity;
        } catch {
          return Infinity;
        }
      }),
    );
    let best = 0;
    for (let i = 1; i < loads.length; i++) if ((loads[i] as number) < (loads[best] as number)) best = i;
    return candidates[best] as ClusterMember;
  }

  /**
   * Claims `name` for a plain system.spawn on this node (not relocatable), so top-level names are unique
   * cluster-wide and actorOf finds the actor from any node; names spawnOn is placing here are already claimed.
   */
  async claimLocal(name: string): Promise<((spawned: boolean) => void) | undefined> {
    if (!this.host.isRunning() || this.placing.has(name)) return undefined;
    const placed = create(PlacedActorSchema, { relocatable: false, placement: "local" });
    const owner = this.host.self().name;
    const { created, entry } = await this.host
      .registry()
      .putIfAbsent(actorKeyPrefix + name, { data: toBinary(PlacedActorSchema, placed), owner });
    // Claimed for this node by another node's spawnOn, which spawns it here through remoting: already ours.
    if (!created && entry.owner === owner) return undefined;
    if (!created) throw new ActorAlreadyExistsError(name);
    return (spawned) => {
      if (spawned) this.hosted.note({ name, kind: "", role: "", relocatable: false, singleton: false, placement: "" });
      else this.hosted.free(name);
    };
  }

  /** Another node spawned the cluster actor here; when it already stopped, its name is freed now instead of at its stop. */
  private noteHosted(note: Hosted): void {
    const { name } = note;
    if (this.host.system.localActorOf(name) !== undefined) this.hosted.note({ name, kind: note.kind, ...hostedFlags(note) });
    else this.hosted.free(name);
  }

  private validateKind(kind: string): void {
    if (typeof kind !== "string" || kind.length === 0)
      throw new InvalidOptionError("kind", "must be the name of a kind registered in the cluster's kinds option");
    if (!this.host.settings.kinds.has(kind)) throw new KindNotRegisteredError(kind, this.host.system.addressPrefix);
  }
}

/** The placement facts a host keeps of an actor it runs. */
function hostedFlags(p: { role: string; relocatable: boolean; singleton: boolean; placement: string }) {
  return { role: p.role, relocatable: p.relocatable, singleton: p.singleton, placement: p.placement };
}

/** The placement of a relocatable actor or singleton that `entry` names; undefined for anything else. */
function relocatable(entry: RegistryEntry): PlacedActor | undefined {
  if (!entry.key.startsWith(actorKeyPrefix)) return undefined;
  const placed = decodePlaced(entry.data);
  return placed !== undefined && (placed.relocatable || placed.singleton) ? placed : undefined;
}
