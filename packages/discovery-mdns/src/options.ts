import { isIP } from "node:net";
import { InvalidConfigError, validateDurationMs, validatePort, validatePositiveInteger } from "@tsakt/discovery";
import type makeMdns from "multicast-dns";

/** Options of MdnsDiscoveryProvider. */
export interface MdnsDiscoveryOptions {
  /** DNS-SD service type the nodes advertise under; nodes only see nodes of the same service. Default: "_tsakt._tcp.local". */
  serviceName?: string;
  /** IPv4 address of the network interface to multicast on (for example "127.0.0.1" for loopback only). Default: every IPv4 interface. */
  interface?: string;
  /** Address the UDP socket binds to; "224.0.0.251" receives only mDNS group traffic. Default: `interface`, or all addresses. */
  bind?: string;
  /** UDP port of the mDNS group. Default: 5353. */
  port?: number;
  /** Seconds a peer's records stay valid without being refreshed; a node that vanishes without a goodbye drops out after this long. Default: 60. */
  ttlSeconds?: number;
  /** How often to query the group for peers, which also refreshes their records; must be shorter than ttlSeconds. Default: 10000. */
  queryIntervalMs?: number;
  /** Whether this host receives its own multicast, which several nodes on one host need. Default: true. */
  loopback?: boolean;
  /** A multicast-dns instance you already have; the provider then leaves its socket settings alone and does not destroy it on close(). Default: one made from the options above. */
  mdns?: makeMdns.MulticastDNS;
}

/** The options after validation, with defaults filled in. */
export interface ResolvedMdnsOptions {
  serviceName: string;
  domain: string;
  socket: makeMdns.Options;
  ttlSeconds: number;
  queryIntervalMs: number;
  mdns: makeMdns.MulticastDNS | undefined;
}

const serviceNamePattern = /^_[a-z0-9](?:[a-z0-9-]{0,13}[a-z0-9])?\._(?:tcp|udp)\.(?:[a-z0-9-]+\.)*[a-z0-9-]+$/i;

/** Validates the options, naming the faulty field, and fills in defaults. */
export function resolveMdnsOptions(options: MdnsDiscoveryOptions | undefined): ResolvedMdnsOptions {
  const o: MdnsDiscoveryOptions = options ?? {};
  if (typeof o !== "object") throw new InvalidConfigError("options", "must be an object");
  const serviceName = o.serviceName ?? "_tsakt._tcp.local";
  if (typeof serviceName !== "string" || !serviceNamePattern.test(serviceName)) {
    throw new InvalidConfigError(
      "serviceName",
      `must look like "_name._tcp.local" (DNS-SD service type and domain), got ${JSON.stringify(serviceName)}`,
    );
  }
  const ttlSeconds = validatePositiveInteger(o.ttlSeconds, "ttlSeconds", 60);
  const queryIntervalMs = validateDurationMs(o.queryIntervalMs, "queryIntervalMs", 10_000);
  if (queryIntervalMs >= ttlSeconds * 1000) {
    throw new InvalidConfigError(
      "queryIntervalMs",
      `must be shorter than ttlSeconds (${ttlSeconds} s), or peers expire between queries; got ${queryIntervalMs}`,
    );
  }
  const socket: makeMdns.Options = { port: validatePort(o.port ?? 5353, "port"), loopback: o.loopback ?? true };
  if (o.interface !== undefined) socket.interface = ipv4(o.interface, "interface");
  if (o.bind !== undefined) socket.bind = ipv4(o.bind, "bind");
  if (typeof socket.loopback !== "boolean") throw new InvalidConfigError("loopback", "must be true or false");
  if (o.mdns !== undefined) {
    if (!isMdns(o.mdns)) throw new InvalidConfigError("mdns", "must be an instance made by multicast-dns");
    const conflicting = (["interface", "bind", "port", "loopback"] as const).filter((k) => o[k] !== undefined);
    if (conflicting.length > 0) {
      throw new InvalidConfigError("mdns", `already has its socket settings; leave out ${conflicting.join(", ")} when passing an instance`);
    }
  }
  const labels = serviceName.split(".");
  return { serviceName, domain: labels.slice(2).join("."), socket, ttlSeconds, queryIntervalMs, mdns: o.mdns };
}

function ipv4(value: unknown, field: string): string {
  if (typeof value !== "string" || isIP(value) !== 4)
    throw new InvalidConfigError(field, `must be an IPv4 address such as "127.0.0.1", got ${JSON.stringify(value)}`);
  return value;
}

function isMdns(value: unknown): value is makeMdns.MulticastDNS {
  const m = value as Partial<makeMdns.MulticastDNS> | null;
  return (
    typeof m === "object" && m !== null && typeof m.query === "function" && typeof m.respond === "function" && typeof m.on === "function"
  );
}
