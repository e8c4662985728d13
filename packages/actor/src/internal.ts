// The plugin API of @tsakt/actor: what sibling packages (remoting, cluster, grains, pub/sub) and plugin authors
// need, and users do not. Nothing here is covered by the public API report; it may change in any release.

// OpenTelemetry types for plugins' instruments, so only @tsakt/actor names @opentelemetry/api (an optional peer).
export type { Attributes, Meter } from "@opentelemetry/api";
export { AskReplier } from "./ask.js";
export { parentWatches } from "./cell/death-watch.js";
export { type Clock, every, keepAlive, sleep, systemClock, type TimerHandle } from "./clock.js";
export { messageOf as messageOfError } from "./errors.js";
export { hashString, mix32 } from "./hash.js";
export { type ActorSnapshot, type ActorWalkOptions, actorSnapshot, walkActors } from "./introspection.js";
export { resolveKindDefinition, resolveKinds } from "./kind.js";
export { typeNameOf } from "./messages.js";
export { durationBuckets, observeSystem } from "./metrics.js";
export { isWatchable, type RejectablePID, rejectSender, type WatchablePID } from "./pid.js";
export { orderPlugins, packageOf } from "./plugin.js";
export { hostOf, type PluginHost, pluginOf } from "./plugin-host.js";
export { TellOnlyPID } from "./tell-only-pid.js";
export { deliverTerminated } from "./terminated.js";
