export {
  DiscoveryError,
  DiscoveryUnavailableError,
  InvalidConfigError,
  NotRegisteredError,
  ProviderClosedError,
} from "./errors.js";
export { MemoryNetwork } from "./memory-network.js";
export { type MemoryDiscoveryOptions, MemoryDiscoveryProvider } from "./memory-provider.js";
export type { DiscoveryNode, DiscoveryProvider } from "./provider.js";
export {
  cloneNode,
  parseHostPort,
  validateDurationMs,
  validateHost,
  validateNode,
  validateNonEmptyString,
  validatePort,
  validatePositiveInteger,
} from "./validation.js";
