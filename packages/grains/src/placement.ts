import type { GrainIdentity } from "./identity.js";

/** What a placement strategy is asked when an identity with no owner gets its first message. */
export interface GrainPlacementRequest {
  /** The grain to place. */
  readonly identity: GrainIdentity;
  /** This node's address prefix, for example "tsakt://shop". */
  readonly self: string;
}

/** Chooses the node that activates a grain; the cluster provides round-robin, random, least-load and by-role. */
export interface GrainPlacement {
  /** Short name for logs, for example "local". */
  readonly name: string;
  /** The address prefix of the node that should activate `request.identity`. */
  place(request: GrainPlacementRequest): string | Promise<string>;
}

/** Activates every grain on the node that first calls it; the default. */
export const localPlacement: GrainPlacement = Object.freeze({
  name: "local",
  place: (request: GrainPlacementRequest): string => request.self,
});
