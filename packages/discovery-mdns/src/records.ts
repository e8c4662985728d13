import { isIP } from "node:net";
import { type DiscoveryNode, InvalidConfigError, validateNode } from "@tsakt/discovery";
import type makeMdns from "multicast-dns";

/** One DNS resource record as multicast-dns sends and receives it. */
export type MdnsRecord = NonNullable<makeMdns.ResponsePacket["answers"]>[number];
type Question = NonNullable<makeMdns.QueryPacket["questions"]>[number];
type AddressRecord = Extract<MdnsRecord, { data: string }>;
type TxtRecord = Extract<MdnsRecord, { type: "TXT" }>;

/** Where a node's records live: the service type and the domain its host names go under. */
export interface ServiceNames {
  serviceName: string;
  domain: string;
}

// A TXT string carries its length in one byte; the total keeps one announcement well inside a typical MTU.
const maxTxtEntryBytes = 255;
const maxTxtTotalBytes = 1300;

/** Validates a node for mDNS on top of the common checks: the name must fit in one DNS label and the TXT data in one packet. */
export function validateMdnsNode(self: unknown): DiscoveryNode {
  const node = validateNode(self);
  if (node.name.includes(".") || Buffer.byteLength(node.name) > 63) {
    throw new InvalidConfigError(
      "self.name",
      `must be one DNS label for mDNS: no dots, at most 63 bytes; got ${JSON.stringify(node.name)}`,
    );
  }
  const txt = txtEntries(node);
  const tooLong = txt.find((entry) => Buffer.byteLength(entry) > maxTxtEntryBytes);
  if (tooLong !== undefined)
    throw new InvalidConfigError(
      tooLong.startsWith("roles=") ? "self.roles" : "self.meta",
      `holds an entry over ${maxTxtEntryBytes} bytes: ${tooLong.slice(0, 40)}…`,
    );
  const total = txt.reduce((sum, entry) => sum + Buffer.byteLength(entry) + 1, 0);
  if (total > maxTxtTotalBytes)
    throw new InvalidConfigError(
      "self.meta",
      `and roles take ${total} bytes, more than the ${maxTxtTotalBytes} that fit in one mDNS announcement`,
    );
  return node;
}

/** The DNS-SD records that advertise `node`: PTR (service → instance), SRV (instance → host and port), TXT (node data) and A/AAAA when the host is an IP. */
export function nodeRecords(node: DiscoveryNode, names: ServiceNames, ttlSeconds: number): MdnsRecord[] {
  const instance = `${node.name}.${names.serviceName}`;
  const ipFamily = isIP(node.host);
  const target = ipFamily === 0 ? node.host : `${node.name}.${names.domain}`;
  const records: MdnsRecord[] = [
    { name: names.serviceName, type: "PTR", ttl: ttlSeconds, data: instance },
    { name: instance, type: "SRV", ttl: ttlSeconds, flush: true, data: { port: node.port, target, priority: 0, weight: 0 } },
    { name: instance, type: "TXT", ttl: ttlSeconds, flush: true, data: txtEntries(node) },
  ];
  if (ipFamily === 4) records.push({ name: target, type: "A", ttl: ttlSeconds, flush: true, data: node.host });
  if (ipFamily === 6) records.push({ name: target, type: "AAAA", ttl: ttlSeconds, flush: true, data: node.host });
  return records;
}

/** Splits our records into those a query asked for and the rest (sent as additionals); undefined when it asked for none of them. */
export function answersFor(questions: Question[], records: MdnsRecord[]): { answers: MdnsRecord[]; additionals: MdnsRecord[] } | undefined {
  const asked = (r: MdnsRecord): boolean =>
    questions.some((q) => sameName(q.name, r.name) && ((q.type as string) === "ANY" || q.type === r.type));
  const answers = records.filter(asked);
  if (answers.length === 0) return undefined;
  return { answers, additionals: records.filter((r) => !asked(r)) };
}

/** A node found in a response, with the TTL it was announced with (0 means goodbye). */
export interface Sighting {
  node: DiscoveryNode;
  ttlSeconds: number;
}

/** Reads the nodes of `serviceName` out of a response packet; records of other services and malformed records are skipped. */
export function parseResponse(packet: Pick<makeMdns.ResponsePacket, "answers" | "additionals">, serviceName: string): Sighting[] {
  const records = [...(packet.answers ?? []), ...(packet.additionals ?? [])];
  const sightings: Sighting[] = [];
  for (const ptr of records) {
    if (ptr.type !== "PTR" || !sameName(ptr.name, serviceName) || typeof ptr.data !== "string") continue;
    const instance = ptr.data;
    const srv = records.find((r): r is Extract<MdnsRecord, { type: "SRV" }> => r.type === "SRV" && sameName(r.name, instance));
    const ttlSeconds = Math.min(ptr.ttl ?? 0, srv?.ttl ?? Number.POSITIVE_INFINITY);
    const label = instance.slice(0, instance.length - serviceName.length - 1);
    const txt = readTxt(records.find((r): r is TxtRecord => r.type === "TXT" && sameName(r.name, instance))?.data);
    if (ttlSeconds === 0) {
      sightings.push({ node: { name: txt.name ?? label, host: "", port: 0 }, ttlSeconds: 0 });
      continue;
    }
    if (srv === undefined) continue;
    const address = records.find(
      (r): r is AddressRecord => (r.type === "A" || r.type === "AAAA") && sameName(r.name, srv.data.target),
    )?.data;
    const node: DiscoveryNode = {
      name: txt.name ?? label,
      host: txt.host ?? address ?? srv.data.target,
      port: srv.data.port,
    };
    if (txt.roles !== undefined) node.roles = txt.roles;
    if (txt.meta !== undefined) node.meta = txt.meta;
    if (node.name.length > 0 && node.host.length > 0 && node.port > 0) sightings.push({ node, ttlSeconds });
  }
  return sightings;
}

// Keys are prefixed so that meta keys can never shadow the node's own fields.
function txtEntries(node: DiscoveryNode): string[] {
  const entries = ["v=1", `name=${node.name}`, `host=${node.host}`];
  if (node.roles !== undefined) entries.push(`roles=${JSON.stringify(node.roles)}`);
  for (const [key, value] of Object.entries(node.meta ?? {})) entries.push(`meta.${key}=${value}`);
  return entries;
}

interface TxtFields {
  name?: string;
  host?: string;
  roles?: string[];
  meta?: Record<string, string>;
}

function readTxt(data: unknown): TxtFields {
  const fields: TxtFields = {};
  const entries = Array.isArray(data) ? data : data === undefined ? [] : [data];
  for (const raw of entries) {
    const entry = Buffer.isBuffer(raw) ? raw.toString("utf8") : String(raw);
    const eq = entry.indexOf("=");
    if (eq <= 0) continue;
    const key = entry.slice(0, eq);
    const value = entry.slice(eq + 1);
    if (key === "name") fields.name = value;
    else if (key === "host") fields.host = value;
    else if (key === "roles") {
      const roles = parseRoles(value);
      if (roles !== undefined) fields.roles = roles;
    } else if (key.startsWith("meta.")) (fields.meta ??= {})[key.slice(5)] = value;
  }
  return fields;
}

function parseRoles(value: string): string[] | undefined {
  try {
    const roles: unknown = JSON.parse(value);
    return Array.isArray(roles) && roles.every((r) => typeof r === "string") ? roles : undefined;
  } catch {
    return undefined;
  }
}

// DNS names compare without regard to ASCII case.
function sameName(a: string, b: string): boolean {
  return a.toLowerCase() === b.toLowerCase();
}
