import { isIP } from "node:net";
import { InvalidConfigError, parseHostPort, validateDurationMs, validateNonEmptyString, validatePositiveInteger } from "@tsakt/discovery";

/** How the provider finds the nodes under `serviceName`. */
export type DnsSdMode = "srv" | "dns-sd";

/** Which address records a target resolves to. */
export type AddressFamily = "ipv4" | "ipv6" | "any";

/** Options of DnsSdDiscoveryProvider. */
export interface DnsSdDiscoveryOptions {
  /**
   * The name to look up. Mode "srv": the SRV name, for example "_tsakt._tcp.web.default.svc.cluster.local" (a Kubernetes
   * headless service with a port named "tsakt"). Mode "dns-sd": the service type, for example "_tsakt._tcp.example.com".
   * Required.
   */
  serviceName: string;
  /** "srv": SRV records at serviceName, each one a node; "dns-sd": PTR records at serviceName list instances, each read through its SRV and TXT records (RFC 6763). Default: "srv". */
  mode?: DnsSdMode;
  /** DNS servers as IP addresses with an optional port: "10.96.0.10", "127.0.0.1:5353", "[::1]:5353". Default: the system's resolvers (/etc/resolv.conf). */
  servers?: string[];
  /** Addresses a target resolves to: "ipv4" (A), "ipv6" (AAAA), or "any" (A, and AAAA when a target has no A record). Default: "any". */
  family?: AddressFamily;
  /** Mode "srv" only: also read the TXT record at each SRV target for name=, roles= and meta (mode "dns-sd" always reads the instance's TXT). Default: true. */
  readTxt?: boolean;
  /** Deadline of one discoverPeers() call, every query included, in milliseconds. Default: 5000. */
  timeoutMs?: number;
  /** How long the resolver waits for one answer before it retries, in milliseconds (c-ares doubles it on later tries). Default: 1000. */
  queryTimeoutMs?: number;
  /** How many times the resolver tries each server before giving up on a query. Default: 2. */
  tries?: number;
}

/** DnsSdDiscoveryOptions with defaults applied, as the provider uses them. */
export interface ResolvedDnsSdOptions {
  serviceName: string;
  mode: DnsSdMode;
  servers: string[] | undefined;
  family: AddressFamily;
  readTxt: boolean;
  timeoutMs: number;
  queryTimeoutMs: number;
  tries: number;
}

/** Checks the options and applies defaults; throws InvalidConfigError naming the first bad field. */
export function resolveDnsSdOptions(options: DnsSdDiscoveryOptions): ResolvedDnsSdOptions {
  if (typeof options !== "object" || options === null) throw new InvalidConfigError("options", "must be an object with serviceName");
  const mode = oneOf(options.mode, "mode", ["srv", "dns-sd"] as const, "srv");
  const serviceName = validateServiceName(options.serviceName, mode);
  const readTxt = options.readTxt ?? true;
  if (typeof readTxt !== "boolean") throw new InvalidConfigError("readTxt", `must be true or false, got ${JSON.stringify(readTxt)}`);
  return {
    serviceName,
    mode,
    servers: options.servers === undefined ? undefined : validateServers(options.servers),
    family: oneOf(options.family, "family", ["ipv4", "ipv6", "any"] as const, "any"),
    readTxt,
    timeoutMs: validateDurationMs(options.timeoutMs, "timeoutMs", 5000),
    queryTimeoutMs: validatePositiveInteger(options.queryTimeoutMs, "queryTimeoutMs", 1000),
    tries: validatePositiveInteger(options.tries, "tries", 2),
  };
}

/** Lower-cased, without the trailing dot: the form names are compared in. */
export function canonicalName(name: string): string {
  const lower = name.toLowerCase();
  return lower.endsWith(".") ? lower.slice(0, -1) : lower;
}

function validateServiceName(value: unknown, mode: DnsSdMode): string {
  const name = canonicalName(validateNonEmptyString(value, "serviceName"));
  const labels = name.split(".");
  if (name.length > 253 || labels.some((label) => label.length === 0 || label.length > 63 || !/^[a-z0-9_-]+$/.test(label))) {
    throw new InvalidConfigError(
      "serviceName",
      `must be a DNS name of labels 1-63 characters long (letters, digits, "_", "-"), got ${JSON.stringify(value)}`,
    );
  }
  // RFC 6763 service types are "_name._tcp" or "_name._udp" followed by the domain.
  if (mode === "dns-sd" && !(labels.length >= 3 && /^_[a-z0-9-]+$/.test(labels[0]!) && /^_(tcp|udp)$/.test(labels[1]!))) {
    throw new InvalidConfigError(
      "serviceName",
      `must be a DNS-SD service type like "_tsakt._tcp.example.com" in mode "dns-sd", got ${JSON.stringify(value)}`,
    );
  }
  return name;
}

// node:dns takes only IP addresses (with an optional port) as servers; host names would need a resolver of their own.
function validateServers(value: unknown): string[] {
  if (!Array.isArray(value) || value.length === 0) {
    throw new InvalidConfigError(
      "servers",
      'must be a non-empty array of "ip" or "ip:port" strings; leave it out to use the system resolvers',
    );
  }
  return value.map((entry: unknown, i) => {
    const field = `servers[${i}]`;
    const text = validateNonEmptyString(entry, field);
    if (isIP(text) !== 0) return text;
    const { host } = parseHostPort(text, field);
    if (isIP(host) === 0)
      throw new InvalidConfigError(field, `must be an IP address with an optional port, not a host name, got ${JSON.stringify(text)}`);
    return text;
  });
}

function oneOf<T extends string>(value: unknown, field: string, allowed: readonly T[], fallback: T): T {
  if (value === undefined) return fallback;
  if (typeof value === "string" && (allowed as readonly string[]).includes(value)) return value as T;
  throw new InvalidConfigError(field, `must be one of ${allowed.map((a) => JSON.stringify(a)).join(", ")}, got ${JSON.stringify(value)}`);
}
