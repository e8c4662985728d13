import { isIP } from "node:net";

/** An SRV record: `name` (for example "_tsakt._tcp.web.default.svc.cluster.local") points at `target:port`. */
export interface SrvRecord {
  name: string;
  target: string;
  port: number;
  /** Default: 0. */
  priority?: number;
  /** Default: 0. */
  weight?: number;
}

/** An A (IPv4) or AAAA (IPv6) record, chosen by the address. */
export interface AddressRecord {
  name: string;
  address: string;
}

/** One TXT record holding `values` as its character-strings, for example ["name=node-a", "roles=api"]. */
export interface TxtRecord {
  name: string;
  values: string[];
}

/** A PTR record: `name` (a DNS-SD service type) points at `target` (an instance name). */
export interface PtrRecord {
  name: string;
  target: string;
}

/** The records a test DNS server serves. */
export interface DnsRecords {
  srv?: SrvRecord[];
  addresses?: AddressRecord[];
  txt?: TxtRecord[];
  ptr?: PtrRecord[];
}

const dnsName = /^[A-Za-z0-9_](?:[A-Za-z0-9_.-]*[A-Za-z0-9_.])?$/;

/** Renders the SRV, TXT and PTR records as dnsmasq config lines (the part dnsmasq reads only at start). */
export function renderConfRecords(records: DnsRecords): string {
  const lines: string[] = [];
  for (const [i, r] of (records.srv ?? []).entries()) {
    const at = `srv[${i}]`;
    lines.push(
      `srv-host=${name(r.name, `${at}.name`)},${name(r.target, `${at}.target`)},${uint16(r.port, `${at}.port`)},` +
        `${uint16(r.priority ?? 0, `${at}.priority`)},${uint16(r.weight ?? 0, `${at}.weight`)}`,
    );
  }
  for (const [i, r] of (records.txt ?? []).entries()) {
    const values = r.values.map((v, j) => quoted(v, `txt[${i}].values[${j}]`));
    lines.push(`txt-record=${[name(r.name, `txt[${i}].name`), ...values].join(",")}`);
  }
  for (const [i, r] of (records.ptr ?? []).entries()) {
    lines.push(`ptr-record=${name(r.name, `ptr[${i}].name`)},${name(r.target, `ptr[${i}].target`)}`);
  }
  return lines.length === 0 ? "" : `${lines.join("\n")}\n`;
}

/** Renders the A/AAAA records as a hosts file, the part dnsmasq re-reads on SIGHUP. */
export function renderHostsFile(records: DnsRecords): string {
  return (records.addresses ?? [])
    .map((r, i) => `${address(r.address, `addresses[${i}].address`)} ${name(r.name, `addresses[${i}].name`)}\n`)
    .join("");
}

/** A deep copy, so a caller mutating its arrays cannot change what a handle reports. */
export function copyRecords(records: DnsRecords): DnsRecords {
  return {
    srv: (records.srv ?? []).map((r) => ({ ...r })),
    addresses: (records.addresses ?? []).map((r) => ({ ...r })),
    txt: (records.txt ?? []).map((r) => ({ name: r.name, values: [...r.values] })),
    ptr: (records.ptr ?? []).map((r) => ({ ...r })),
  };
}

function name(value: string, field: string): string {
  if (typeof value !== "string" || value.length > 253 || !dnsName.test(value) || value.includes("..")) {
    throw new Error(`${field} must be a DNS name (letters, digits, "_", "-", "."), got ${JSON.stringify(value)}`);
  }
  return value;
}

function uint16(value: number, field: string): number {
  if (!Number.isInteger(value) || value < 0 || value > 65_535) throw new Error(`${field} must be an integer 0-65535, got ${value}`);
  return value;
}

function address(value: string, field: string): string {
  if (isIP(value) === 0) throw new Error(`${field} must be an IPv4 or IPv6 address, got ${JSON.stringify(value)}`);
  return value;
}

// Inside double quotes dnsmasq takes "," ":" "." "#" literally; only the backslash and the quote need escaping.
function quoted(value: string, field: string): string {
  if (typeof value !== "string" || /[\r\n\0]/.test(value)) throw new Error(`${field} must be a single-line string`);
  return `"${value.replaceAll("\\", "\\\\").replaceAll('"', '\\"')}"`;
}
