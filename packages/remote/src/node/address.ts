import { InvalidNameError } from "@tsakt/actor";

/** The parts of a remote address "tsakt://system@host:port/path". */
export interface RemoteAddress {
  /** Actor system name. */
  readonly system: string;
  /** Host as written in the address (IPv6 without brackets). */
  readonly host: string;
  /** TCP port. */
  readonly port: number;
  /** Path inside the system, "" for the node itself. */
  readonly path: string;
  /** "tsakt://system@host:port", the node's address prefix. */
  readonly node: string;
  /** "host:port", the key of the node's connection. */
  readonly hostPort: string;
}

const pattern = /^tsakt:\/\/([A-Za-z0-9_.~$-]+)@(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9_.-]+):(\d{1,5})(\/[^\s]*)?$/;

/** Parses "tsakt://system@host:port[/path]"; undefined when `address` has no host and port (a local address). */
export function parseRemoteAddress(address: string): RemoteAddress | undefined {
  const m = pattern.exec(address);
  if (m === null) return undefined;
  const port = Number(m[3]);
  if (port < 1 || port > 65535) return undefined;
  const rawHost = m[2] as string;
  const host = rawHost.startsWith("[") ? rawHost.slice(1, -1) : rawHost;
  const hostPort = `${rawHost}:${port}`;
  const path = m[4] ?? "";
  return { system: m[1] as string, host, port, path: path === "/" ? "" : path, node: `tsakt://${m[1] as string}@${hostPort}`, hostPort };
}

/** Like parseRemoteAddress but throws InvalidNameError naming what is wrong. */
export function requireRemoteAddress(address: unknown, what = "address"): RemoteAddress {
  if (typeof address !== "string")
    throw new InvalidNameError(String(address), `${what} must be a string like "tsakt://system@host:port/user/name"`);
  const parsed = parseRemoteAddress(address);
  if (parsed === undefined) throw new InvalidNameError(address, `${what} must look like "tsakt://system@host:port/user/name"`);
  return parsed;
}

/** "host:port" with IPv6 hosts in brackets. */
export function hostPortOf(host: string, port: number): string {
  return host.includes(":") ? `[${host}]:${port}` : `${host}:${port}`;
}
