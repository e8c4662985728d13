export { type GrainDirectory, InMemoryGrainDirectory } from "./directory.js";
export {
  GrainActivationError,
  GrainActivationTimeoutError,
  GrainOwnedElsewhereError,
  GrainStateConflictError,
  NoGrainNodeError,
  UnknownGrainKindError,
} from "./errors.js";
export { type GrainForwarder, type GrainForwardTarget, maxForwardHops } from "./forwarder.js";
export type { Grain, GrainContext, GrainFactory, GrainReceiveContext, GrainTimer, GrainTimers } from "./grain.js";
export type { GrainRef } from "./grain-ref.js";
export { grainStateKey } from "./grain-state.js";
export { type GrainIdentity, maxIdLength, maxKindLength } from "./identity.js";
export { defaultActivationTimeoutMs, defaultIdleMs, type GrainKindDefinition, type GrainKindOptions } from "./kind.js";
export { type GrainPlacement, type GrainPlacementRequest, localPlacement } from "./placement.js";
export { type Grains, type GrainsOptions, grainOf, grains, grainsOf } from "./plugin.js";
export type { GrainStateOptions, GrainStateSchema, GrainStateStore } from "./state-options.js";
