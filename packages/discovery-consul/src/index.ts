export type { ConsulDiscoveryOptions } from "./consul-options.js";
export { ConsulDiscoveryProvider } from "./consul-provider.js";
export { consulOptionsFromEnv } from "./env-options.js";
