export { EtcdDiscoveryProvider } from "./etcd-discovery.js";
export { defaultTtlSeconds, type EtcdDiscoveryOptions } from "./options.js";
