export { DnsSdDiscoveryProvider } from "./dnssd-discovery.js";
export { DnsQueryError, type DnsRecordType } from "./errors.js";
export type { AddressFamily, DnsSdDiscoveryOptions, DnsSdMode } from "./options.js";
