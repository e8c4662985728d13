export type { AskReply } from "./ask-route.js";
export { ManagementListenError, PrometheusUnavailableError } from "./errors.js";
export type { ActorEntry, ActorPage, GrainKindStats, GrainStats, NodeStats, StatsSample } from "./node-view.js";
export { isLoopback, type ManagementOptions, type PrometheusExporterLike } from "./options.js";
export { type Management, management, managementOf } from "./plugin.js";
export { managementSchema } from "./schema.js";
export type { NodeSnapshot } from "./section.js";
