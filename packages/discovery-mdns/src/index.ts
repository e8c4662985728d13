export { MdnsDiscoveryProvider } from "./mdns-provider.js";
export type { MdnsDiscoveryOptions } from "./options.js";
