export type { DiscoveryNode, DiscoveryProvider } from "./provider.js";
export {
  DiscoveryError,
  DiscoveryUnavailableError,
  InvalidConfigError,
  NotRegisteredError,
  ProviderClosedError,
} from "./errors.js";
