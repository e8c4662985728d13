export { type ActorHooks, actorFactory } from "./actor.js";
export { Contract, type ContractMethod, contract, type Invoke, type NoReply, type Reply } from "./contract.js";
export { MissingHandlerError } from "./errors.js";
export { type GrainContractOptions, type GrainHooks, grainKind } from "./grain.js";
