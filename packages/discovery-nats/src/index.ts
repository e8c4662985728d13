export { NatsDiscoveryProvider } from "./nats-discovery.js";
export { defaultClusterName, defaultTimeoutMs, defaultTtlMs, type NatsDiscoveryMode, type NatsDiscoveryOptions } from "./options.js";
