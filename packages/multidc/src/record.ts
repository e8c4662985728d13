/** A datacenter's lifecycle: REGISTERED on its first heartbeat, ACTIVE after, DRAINING while drained, INACTIVE at the end or when its lease ran out. */
export type DatacenterState = "REGISTERED" | "ACTIVE" | "DRAINING" | "INACTIVE";

/** The states a record may carry. */
export const datacenterStates: readonly DatacenterState[] = ["REGISTERED", "ACTIVE", "DRAINING", "INACTIVE"];

/** What the control plane stores per datacenter: plain data, written only by that datacenter's cluster leader. */
export interface DatacenterRecord {
  /** The datacenter's name, unique among datacenters. */
  readonly name: string;
  /** Free-form labels, for example { region: "eu-west", zone: "b" }. */
  readonly labels: Readonly<Record<string, string>>;
  /** The actor system name the datacenter's nodes run (remote addresses are "tsakt://system@host:port"). */
  readonly system: string;
  /** Remoting endpoints ("host:port") of the datacenter's gateway nodes. */
  readonly endpoints: readonly string[];
  /** The state the datacenter's leader wrote. */
  readonly state: DatacenterState;
  /** When the writer wrote this record, by its own clock (epoch ms); for display, never compared across datacenters. */
  readonly heartbeatAtMs: number;
  /** Raised by one on every write: readers see a heartbeat when it changes. */
  readonly sequence: number;
  /** While draining: when (writer's clock) the datacenter turns INACTIVE. Absent otherwise. */
  readonly drainUntilMs?: number;
}

const namePattern = /^[A-Za-z0-9_-]{1,64}$/;

/** True when `name` can name a datacenter: 1–64 letters, digits, "_" or "-" (so every control plane can key it). */
export function isDatacenterName(name: unknown): name is string {
  return typeof name === "string" && namePattern.test(name);
}

/** The record as JSON bytes, as the NATS and etcd control planes store it. */
export function encodeRecord(record: DatacenterRecord): Uint8Array {
  return new TextEncoder().encode(JSON.stringify(record));
}

/** A record decoded from JSON bytes; undefined when the bytes are not a well-formed record (it is then ignored). */
export function decodeRecord(bytes: Uint8Array | string): DatacenterRecord | undefined {
  let value: unknown;
  try {
    value = JSON.parse(typeof bytes === "string" ? bytes : new TextDecoder().decode(bytes));
  } catch {
    return undefined;
  }
  return isRecord(value) ? value : undefined;
}

/** True when `value` has the shape of a DatacenterRecord. */
export function isRecord(value: unknown): value is DatacenterRecord {
  const r = value as Partial<DatacenterRecord> | null;
  return (
    typeof r === "object" &&
    r !== null &&
    isDatacenterName(r.name) &&
    typeof r.system === "string" &&
    typeof r.labels === "object" &&
    r.labels !== null &&
    Object.values(r.labels).every((v) => typeof v === "string") &&
    Array.isArray(r.endpoints) &&
    r.endpoints.every((e) => typeof e === "string") &&
    datacenterStates.includes(r.state as DatacenterState) &&
    Number.isFinite(r.heartbeatAtMs) &&
    Number.isFinite(r.sequence) &&
    (r.drainUntilMs === undefined || Number.isFinite(r.drainUntilMs))
  );
}
