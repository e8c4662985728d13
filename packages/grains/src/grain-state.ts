import { InvalidOptionError, isTsaktError } from "@tsakt/actor";
import type { PersistenceCodec, PersistentState, StateStore } from "@tsakt/persistence";
import { GrainStateConflictError } from "./errors.js";
import type { GrainIdentity } from "./identity.js";
import type { GrainStateConfig } from "./state-options.js";

type PersistenceModule = typeof import("@tsakt/persistence");

// @tsakt/persistence is an optional peer: grains without state never load it.
let persistence: Promise<PersistenceModule> | undefined;
/** One codec per kind's state options, made on its first activation. */
const codecs = new WeakMap<GrainStateConfig, PersistenceCodec>();

function loadPersistence(field: string): Promise<PersistenceModule> {
  persistence ??= import("@tsakt/persistence").catch((error: unknown) => {
    persistence = undefined;
    throw new InvalidOptionError(field, `needs the package @tsakt/persistence (npm install @tsakt/persistence): ${String(error)}`);
  });
  return persistence;
}

/** The key of a grain's state in its store: "grain/<kind>/<id>". */
export function grainStateKey(identity: GrainIdentity): string {
  return `grain/${identity.kind}/${identity.id}`;
}

/**
 * The persistent state of one activation. A conflict on write or clear means another activation saved first: the
 * caller gets GrainStateConflictError and `onFenced` runs once, so the activation deactivates.
 */
export class GrainState {
  private holder: PersistentState<unknown> | undefined = undefined;
  /** Set once another activation was found to have saved first. */
  fenced: GrainStateConflictError | undefined = undefined;

  constructor(
    private readonly config: GrainStateConfig,
    private readonly identity: GrainIdentity,
    private readonly onFenced: (error: GrainStateConflictError) => void,
  ) {}

  /** Loads the stored state (the initial state when none is stored). */
  async load(): Promise<void> {
    const { PersistenceCodec, PersistentState } = await loadPersistence(`kinds.${this.identity.kind}.state`);
    const config = this.config;
    let codec = codecs.get(config);
    if (codec === undefined) {
      codec = new PersistenceCodec({ types: config.schema === undefined ? [] : [config.schema], json: config.json });
      codecs.set(config, codec);
    }
    const holder = new PersistentState<unknown>({
      // A GrainStateStore is a StateStore without id and close, which PersistentState does not use.
      store: config.store as StateStore,
      key: grainStateKey(this.identity),
      codec,
      initial: config.initial,
    });
    await holder.read();
    this.holder = holder;
  }

  get value(): unknown {
    return this.loaded().value;
  }

  set value(value: unknown) {
    this.loaded().value = value;
  }

  write(): Promise<void> {
    return this.guard(this.loaded().write());
  }

  clear(): Promise<void> {
    return this.guard(this.loaded().clear());
  }

  read(): Promise<void> {
    return this.guard(this.loaded().read());
  }

  private loaded(): PersistentState<unknown> {
    if (this.holder === undefined) throw new InvalidOptionError("state", "is not loaded yet; use it from onActivate on");
    return this.holder;
  }

  private guard(call: Promise<void>): Promise<void> {
    return call.catch((error: unknown) => {
      if (!isTsaktError(error, "ConcurrencyConflict")) throw error;
      const { kind, id } = this.identity;
      const conflict = this.fenced ?? new GrainStateConflictError(kind, id, error);
      if (this.fenced === undefined) {
        this.fenced = conflict;
        this.onFenced(conflict);
      }
      throw conflict;
    });
  }
}
