export {
  type Balancer,
  type BalancerName,
  type ClientNode,
  type ClientNodeStatus,
  leastLoadBalancer,
  randomBalancer,
  roundRobinBalancer,
} from "./balancer.js";
export type { ClientCallOptions } from "./caller.js";
export { type ClientNodeEvent, type ClientRef, ClusterClient, connect } from "./client.js";
export { CallDeadlineExceededError, ClientCallError, ClientClosedError, NoNodeAvailableError } from "./errors.js";
export type { ClientOptions, ClientRemotingOptions } from "./options.js";
export { isRetryable } from "./retryable.js";
