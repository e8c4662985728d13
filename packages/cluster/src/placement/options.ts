import { fromBinary } from "@bufbuild/protobuf";
import { InvalidNameError } from "@tsakt/actor";
import { type PlacedActor, PlacedActorSchema } from "../gen/tsakt/cluster/v1/placement_pb.js";

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

/** Registry keys of placed actors start with this, so other users of the registry (grains, pub/sub) are left alone. */
export const actorKeyPrefix = "actor/";
/** Name of the system actor that answers load queries and learns what it hosts. */
export const endpointName = "cluster-placement";
/** Pause between lookups while a name is being placed or relocated. */
export const retryPauseMs = 100;
export const strategies: ReadonlySet<string> = new Set(["round-robin", "random", "local", "least-load"]);
const actorNamePattern = /^[A-Za-z0-9_.~@-][A-Za-z0-9_.~@$-]{0,254}$/;

/** Throws InvalidNameError unless `name` is a top-level actor name. */
export function validateName(name: string): void {
  if (typeof name !== "string" || !actorNamePattern.test(name))
    throw new InvalidNameError(String(name), "must be a top-level actor name: letters, digits and _ . ~ @ $ -, not starting with $");
}

/** The strategy a relocation uses: the original one, except that "local" (the lost node) becomes round-robin. */
export function strategyOf(value: string): PlacementStrategy {
  return strategies.has(value) && value !== "local" ? (value as PlacementStrategy) : "round-robin";
}

/** The placement flags stored with a registry entry; undefined when they cannot be read. */
export function decodePlaced(data: Uint8Array): PlacedActor | undefined {
  try {
    return fromBinary(PlacedActorSchema, data);
  } catch {
    return undefined;
  }
}
