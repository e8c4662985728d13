export { ConsulDiscoveryProvider } from "./consul-provider.js";
export type { ConsulDiscoveryOptions } from "./consul-options.js";
export { consulOptionsFromEnv } from "./env-options.js";
