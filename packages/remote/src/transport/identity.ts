import type { TLSSocket } from "node:tls";
import { Role } from "../gen/tsakt/remote/v1/system_pb.js";

/** URI scheme of a member's certificate name: "tsakt://<system>@<host>:<port>". */
export const memberScheme = "tsakt";
/** URI scheme of a client's certificate name: "tsakt-client://<system>@<host>[:<port>]" (no port: any port on the host). */
export const clientScheme = "tsakt-client";

/** A node identity a certificate must name. */
export interface NamedIdentity {
  readonly role: Role;
  readonly system: string;
  readonly host: string;
  readonly port: number;
}

/** The URI SAN that names `identity` exactly, for error messages and for issuing certificates. */
export function identityUri(identity: NamedIdentity): string {
  const host = identity.host.includes(":") ? `[${identity.host}]` : identity.host;
  return `${identity.role === Role.CLIENT ? clientScheme : memberScheme}://${identity.system}@${host}:${identity.port}`;
}

const uriPattern = /^(tsakt|tsakt-client):\/\/([^@/\s]+)@(\[[^\]\s]+\]|[^:/\s[\]]+)(?::(\d{1,5}))?\/?$/;

/** The URI subjectAltNames of the other side's certificate on a verified TLS socket; empty when there is none. */
export function certificateUris(socket: TLSSocket): string[] {
  const san = socket.getPeerCertificate().subjectaltname;
  if (typeof san !== "string" || san === "") return [];
  const uris: string[] = [];
  // Node lists names as "URI:a, DNS:b"; a name with special characters is quoted as a JSON string.
  for (const match of san.matchAll(/(?:^|, )URI:("(?:[^"\\]|\\.)*"|[^,]*)/g)) {
    const raw = match[1] ?? "";
    try {
      uris.push(raw.startsWith('"') ? (JSON.parse(raw) as string) : raw);
    } catch {
      // A malformed quoted name names nothing.
    }
  }
  return uris;
}

/**
 * True when one of `uris` names `identity`: a member's name must match system, host and port; a client's may leave
 * the port out (clients listen on any free port). Hosts compare case-insensitively, systems exactly.
 */
export function namesIdentity(uris: readonly string[], identity: NamedIdentity): boolean {
  const scheme = identity.role === Role.CLIENT ? clientScheme : memberScheme;
  const host = identity.host.toLowerCase();
  for (const uri of uris) {
    const m = uriPattern.exec(uri);
    if (m === null || m[1] !== scheme || m[2] !== identity.system) continue;
    const named = (m[3] ?? "").replace(/^\[|\]$/g, "").toLowerCase();
    if (named !== host) continue;
    if (m[4] === undefined ? identity.role === Role.CLIENT : Number(m[4]) === identity.port) return true;
  }
  return false;
}
