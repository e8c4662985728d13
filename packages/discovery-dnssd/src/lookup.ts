import { isIP } from "node:net";
import type { DnsSession, SrvAnswer } from "./dns-session.js";
import { type AddressFamily, canonicalName, type ResolvedDnsSdOptions } from "./options.js";
import { parseTxt, type TxtAttributes } from "./txt.js";

/** A node found in DNS, with the SRV target it came from (for recognising the registered node by host name). */
export interface FoundPeer {
  name: string;
  host: string;
  port: number;
  target: string;
  roles?: string[];
  meta?: Record<string, string>;
}

// Queries of one call run at most this many at a time, so a large record set cannot flood the DNS server.
const maxParallel = 16;

/** Mode "srv": every SRV record at serviceName is a node; its target's address, and optionally its TXT record, complete it. */
export async function lookupSrv(session: DnsSession, options: ResolvedDnsSdOptions): Promise<FoundPeer[]> {
  const records = (await session.srv(options.serviceName)) ?? [];
  const byTarget = new Map<string, SrvAnswer[]>();
  for (const record of sortSrv(records)) {
    const target = canonicalName(record.name);
    // A target of "." says the service is decidedly not available there (RFC 2782).
    if (target.length === 0) continue;
    byTarget.set(target, [...(byTarget.get(target) ?? []), record]);
  }
  const targets = [...byTarget.keys()];
  const resolved = await mapLimit(targets, async (target) => {
    const [host, txt] = await Promise.all([
      resolveHost(session, target, options.family),
      options.readTxt && isIP(target) === 0 ? session.txt(target) : undefined,
    ]);
    return { host, attributes: parseTxt(txt ?? []) };
  });
  const peers: FoundPeer[] = [];
  for (const [i, target] of targets.entries()) {
    const { host, attributes } = resolved[i]!;
    const records = byTarget.get(target)!;
    // A target's TXT record names one node; when several SRV records share the target it cannot tell them apart.
    const own = records.length === 1 ? attributes : {};
    for (const record of records) {
      if (host !== undefined) peers.push(peer(own, `${target}:${record.port}`, host, record.port, target));
    }
  }
  return peers;
}

/** Mode "dns-sd": the PTR records at serviceName list instances; each instance's SRV and TXT records describe one node (RFC 6763). */
export async function lookupDnsSd(session: DnsSession, options: ResolvedDnsSdOptions): Promise<FoundPeer[]> {
  const instances = uniqueNames((await session.ptr(options.serviceName)) ?? []);
  const found = await mapLimit(instances, async (instance) => {
    const [records, txt] = await Promise.all([session.srv(instance), session.txt(instance)]);
    // A PTR can outlive its instance; an instance without SRV has no address to offer.
    const record = sortSrv(records ?? []).find((r) => canonicalName(r.name).length > 0);
    if (record === undefined) return undefined;
    const target = canonicalName(record.name);
    const host = await resolveHost(session, target, options.family);
    if (host === undefined) return undefined;
    return peer(parseTxt(txt ?? []), instanceLabel(instance, options.serviceName), host, record.port, target);
  });
  return found.filter((p): p is FoundPeer => p !== undefined);
}

function peer(attributes: TxtAttributes, fallbackName: string, host: string, port: number, target: string): FoundPeer {
  const found: FoundPeer = { name: attributes.name ?? fallbackName, host, port, target };
  if (attributes.roles !== undefined) found.roles = [...attributes.roles];
  if (attributes.meta !== undefined) found.meta = { ...attributes.meta };
  return found;
}

// Lowest priority first, then highest weight: the order a client would try them in; the rest keeps results stable.
function sortSrv(records: SrvAnswer[]): SrvAnswer[] {
  return [...records].sort((x, y) => x.priority - y.priority || y.weight - x.weight || x.name.localeCompare(y.name) || x.port - y.port);
}

/** The target's address: itself when it is an IP literal, else its A and/or AAAA record (lowest first, for stable results); undefined when it has none. */
async function resolveHost(session: DnsSession, target: string, family: AddressFamily): Promise<string | undefined> {
  if (isIP(target) !== 0) return target;
  let addresses = family === "ipv6" ? undefined : await session.a(target);
  if (family === "ipv6" || (family === "any" && (addresses === undefined || addresses.length === 0)))
    addresses = await session.aaaa(target);
  return addresses === undefined || addresses.length === 0 ? undefined : [...addresses].sort()[0];
}

/** Names without repeats (compared without regard to case) and without a trailing dot; the case is kept for display. */
function uniqueNames(names: string[]): string[] {
  const byKey = new Map<string, string>();
  for (const name of names) {
    const key = canonicalName(name);
    if (!byKey.has(key)) byKey.set(key, name.endsWith(".") ? name.slice(0, -1) : name);
  }
  return [...byKey.values()];
}

/** The instance's own label ("Node A" of "Node\032A._tsakt._tcp.example.com"), unescaped; the whole name if it is not under serviceName. */
function instanceLabel(instance: string, serviceName: string): string {
  const under = canonicalName(instance).endsWith(`.${serviceName}`);
  const label = under ? instance.slice(0, instance.length - serviceName.length - 1) : instance;
  return label.replace(/\\(\d{3}|.)/g, (_, escaped: string) => (escaped.length === 3 ? String.fromCharCode(Number(escaped)) : escaped));
}

async function mapLimit<T, R>(items: readonly T[], run: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      results[i] = await run(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(maxParallel, items.length) }, worker));
  return results;
}
