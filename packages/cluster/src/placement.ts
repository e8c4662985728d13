import { create, fromBinary, isMessage, toBinary } from "@bufbuild/protobuf";
import {
  type Actor,
  ActorAlreadyExistsError,
  ActorStoppedSchema,
  type ActorSystem,
  InvalidNameError,
  InvalidOptionError,
  type PID,
  type ReceiveContext,
} from "@tsakt/actor";
import { hostOf, sleep } from "@tsakt/actor/internal";
import { KindNotRegisteredError, type Remote, remoteOf } from "@tsakt/remote";
import { NoEligibleMemberError } from "./errors.js";
import type { RegistryEntry } from "./gen/tsakt/cluster/v1/cluster_pb.js";
import {
  HostedSchema,
  LoadQuerySchema,
  LoadReportSchema,
  type PlacedActor,
  PlacedActorSchema,
} from "./gen/tsakt/cluster/v1/placement_pb.js";
import type { ClusterMember } from "./member.js";
import type { ClusterSettings } from "./options.js";
import type { Registry } from "./registry.js";

/** How spawnOn picks the member that hosts a new actor. */
export type PlacementStrategy = "round-robin" | "random" | "local" | "least-load";

/** Options of spawnOn. */
export interface SpawnOnOptions {
  /** How the hosting member is chosen among the live members (with `role`). Default: "round-robin". */
  placement?: PlacementStrategy;
  /** Only members with this role may host the actor, now and after relocation. Default: any member. */
  role?: string;
  /** Re-create the actor on a survivor when its node dies or leaves. Default: true. */
  relocatable?: boolean;
}

/** Options of spawnSingleton. */
export interface SingletonOptions {
  /** The singleton lives on the oldest member with this role. Default: the leader (oldest member). */
  role?: string;
}

/** What placement needs from the running cluster. */
export interface PlacementHost {
  readonly system: ActorSystem;
  readonly settings: ClusterSettings;
  registry(): Registry;
  members(): ClusterMember[];
  self(): ClusterMember;
  leader(role?: string): ClusterMember | undefined;
  isRunning(): boolean;
}

/** Registry keys of placed actors start with this, so other users of the registry (grains, pub/sub) are left alone. */
export const actorKeyPrefix = "actor/";
const endpointName = "cluster-placement";
const loadQueryTimeoutMs = 500;
const relocationAttempts = 5;
/** How long the owner named by the registry may take to confirm an actor during actorOf. */
const ownerLookupTimeoutMs = 1000;
const retryPauseMs = 100;
const strategies = new Set<string>(["round-robin", "random", "local", "least-load"]);
const actorNamePattern = /^[A-Za-z0-9_.~@-][A-Za-z0-9_.~@$-]{0,254}$/;

/**
 * Cluster-wide actors: claims a name in the registry (so it is unique cluster-wide), spawns the actor by kind on the
 * chosen member, finds it by name from any node, and re-creates relocatable actors and singletons on survivors when
 * their node goes (from the registry's owner-lost reports).
 */
export class ActorPlacement {
  private nextIndex = 0;
  private lastDeparture = -Infinity;
  private remote: Remote | undefined = undefined;
  private unsubscribe: (() => void) | undefined = undefined;
  private endpoint: PID | undefined = undefined;
  /** Names of the cluster actors this node hosts, so only their stops cost a registry request. */
  private readonly hosted = new Set<string>();
  /** Names spawnOn is spawning on this node right now; their claim is already in the registry. */
  private readonly placing = new Set<string>();

  constructor(private readonly host: PlacementHost) {}

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
      () => new PlacementEndpoint(system, (name) => this.noteHosted(name)),
    );
    this.unsubscribe = system.eventStream.subscribe((event) => {
      if (isMessage(event, ActorStoppedSchema)) this.actorStopped(event.address);
    });
  }

  /** Stops watching local actors and stops the load endpoint, so a new Cluster can start on the same system. */
  async stop(): Promise<void> {
    this.unsubscribe?.();
    this.unsubscribe = undefined;
    const endpoint = this.endpoint;
    this.endpoint = undefined;
    // The system may be stopping it already (system.stop()), which is as good.
    if (endpoint !== undefined) await this.host.system.stopActor(endpoint).catch(() => undefined);
  }

  private pause(ms: number): Promise<void> {
    return sleep(this.host.settings.clock, ms);
  }

  /** Notes a departure: for a while, a missing name may be a relocation in progress, so lookups retry. */
  memberLeft(): void {
    this.lastDeparture = this.host.settings.clock.now();
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

  /** Spawns the singleton `name` on the leader (with `role`), or returns the one that already runs somewhere. */
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
      await this.pause(retryPauseMs);
    }
  }

  /** Re-creates the relocatable actors and singletons among `entries` (owner-lost reports) on survivors. */
  ownerLost(entries: RegistryEntry[]): void {
    this.memberLeft();
    for (const entry of entries) {
      if (!entry.key.startsWith(actorKeyPrefix)) continue;
      const placed = decodePlaced(entry.data);
      if (placed === undefined || !(placed.relocatable || placed.singleton)) continue;
      void this.relocate(entry, placed);
    }
  }

  private async relocate(entry: RegistryEntry, placed: PlacedActor): Promise<void> {
    const name = entry.key.slice(actorKeyPrefix.length);
    const log = this.host.system.logger;
    for (let attempt = 1; attempt <= relocationAttempts; attempt++) {
      // A node that is still joining may get reports; it relocates once it runs.
      if (!this.host.isRunning()) {
        await this.pause(retryPauseMs * 2 * attempt);
        continue;
      }
      try {
        const target = placed.singleton
          ? this.host.leader(placed.role === "" ? undefined : placed.role)
          : await this.choose(strategyOf(placed.placement), placed.role, `actor "${name}"`).catch(() => undefined);
        if (target === undefined) throw new NoEligibleMemberError(placed.role, `relocated actor "${name}"`);
        const { pid } = await this.place(name, entry.kind, placed, target);
        log.info({ actor: name, kind: entry.kind, from: entry.owner, to: target.name, address: pid.address }, "relocated cluster actor");
        return;
      } catch (error) {
        // Another node re-created it first: the name is taken again, which is what relocation wants.
        if (error instanceof ActorAlreadyExistsError) return;
        if (attempt === relocationAttempts)
          log.error({ err: error, actor: name, kind: entry.kind }, "relocating cluster actor failed; it is gone until spawned again");
        else await this.pause(retryPauseMs * 2 * attempt);
      }
    }
    if (!this.host.isRunning())
      log.warn(
        { actor: name, kind: entry.kind },
        "this node stopped before it could relocate a cluster actor; it is gone until spawned again",
      );
  }

  /** Claims the name for `target`, then spawns there; the claim is withdrawn when the spawn fails. */
  private async place(name: string, kind: string, placed: PlacedActor, target: ClusterMember): Promise<{ pid: PID }> {
    const registry = this.host.registry();
    const key = actorKeyPrefix + name;
    const { created } = await registry.putIfAbsent(key, { kind, data: toBinary(PlacedActorSchema, placed), owner: target.name });
    if (!created) throw new ActorAlreadyExistsError(name);
    try {
      return { pid: await this.spawnAt(target, name, kind) };
    } catch (error) {
      await registry.remove(key, { owner: target.name }).catch(() => undefined);
      throw error;
    }
  }

  private async spawnAt(target: ClusterMember, name: string, kind: string): Promise<PID> {
    const { system, settings } = this.host;
    if (target.name === this.host.self().name) {
      const registered = settings.kinds.get(kind);
      if (registered === undefined) throw new KindNotRegisteredError(kind, system.addressPrefix);
      this.placing.add(name);
      try {
        const pid = await system.spawn(name, registered.factory, registered.options);
        this.hosted.add(name);
        return pid;
      } finally {
        this.placing.delete(name);
      }
    }
    if (this.remote === undefined)
      throw new InvalidOptionError("placement", `member "${target.name}" is remote and remoting is not running on this node`);
    const pid = await this.remote.spawn(target.address, name, kind);
    this.remote.pidOf(`${target.address}/system/${endpointName}`).tell(create(HostedSchema, { name }));
    return pid;
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

  /** Picks a live (not suspect) member with `role` by `strategy`. */
  private async choose(strategy: PlacementStrategy, role: string, what: string): Promise<ClusterMember> {
    const self = this.host.self();
    if (strategy === "local") {
      if (role !== "" && !self.roles.includes(role)) throw new NoEligibleMemberError(role, `${what} on this node`);
      return self;
    }
    const candidates = this.host
      .members()
      .filter((m) => m.status === "alive" && (role === "" || m.roles.includes(role)))
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
      if (spawned) this.hosted.add(name);
      else this.free(name);
    };
  }

  /** Another node spawned the cluster actor `name` here; when it already stopped, its name is freed now instead of at its stop. */
  private noteHosted(name: string): void {
    if (this.host.system.localActorOf(name) !== undefined) this.hosted.add(name);
    else this.free(name);
  }

  /** A local top-level actor stopped while the system runs: its registry entry goes, so the name is free again. */
  private actorStopped(address: string): void {
    const { system } = this.host;
    if (!system.isRunning || !this.host.isRunning()) return;
    const prefix = `${system.addressPrefix}/user/`;
    if (!address.startsWith(prefix)) return;
    const name = address.slice(prefix.length);
    if (this.hosted.delete(name)) this.free(name);
  }

  /** Removes this node's registry entry of `name`, so the name can be spawned again. */
  private free(name: string): void {
    const { system } = this.host;
    if (!this.host.isRunning()) return;
    void this.host
      .registry()
      .remove(actorKeyPrefix + name, { owner: this.host.self().name })
      .catch((error: unknown) => system.logger.warn({ err: error, actor: name }, "could not free a stopped actor's cluster name"));
  }

  private validateKind(kind: string): void {
    if (typeof kind !== "string" || kind.length === 0)
      throw new InvalidOptionError("kind", "must be the name of a kind registered in the cluster's kinds option");
    if (!this.host.settings.kinds.has(kind)) throw new KindNotRegisteredError(kind, this.host.system.addressPrefix);
  }
}

/** Answers LoadQuery with this node's live actor count (least-load placement elsewhere) and passes Hosted names on. */
class PlacementEndpoint implements Actor {
  constructor(
    private readonly system: ActorSystem,
    private readonly hosted: (name: string) => void,
  ) {}

  receive(ctx: ReceiveContext): void {
    if (ctx.is(LoadQuerySchema)) ctx.respond(create(LoadReportSchema, { actors: this.system.actorCount }));
    else if (ctx.is(HostedSchema)) this.hosted(ctx.message.name);
  }
}

function validateName(name: string): void {
  if (typeof name !== "string" || !actorNamePattern.test(name))
    throw new InvalidNameError(String(name), "must be a top-level actor name: letters, digits and _ . ~ @ $ -, not starting with $");
}

/** The strategy a relocation uses: the original one, except that "local" (the dead node) becomes round-robin. */
function strategyOf(value: string): PlacementStrategy {
  return strategies.has(value) && value !== "local" ? (value as PlacementStrategy) : "round-robin";
}

function decodePlaced(data: Uint8Array): PlacedActor | undefined {
  try {
    return fromBinary(PlacedActorSchema, data);
  } catch {
    return undefined;
  }
}
