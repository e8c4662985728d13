import { parseGoDuration } from "../go-duration.js";
import type { ServiceRegistration } from "./agent-state.js";
import type { CheckStatus } from "./consul-model.js";
import { checkStatuses } from "./consul-model.js";

/** A request Consul would answer with 400; `message` is Consul's reason text. */
export class BadRequest extends Error {}

type Json = Record<string, unknown>;

/**
 * Looks a field up the way Consul's decoder does: Go's JSON matching is case-insensitive
 * and Consul also accepts snake_case spellings of the same field.
 */
function field(obj: Json, name: string): unknown {
  const want = name.toLowerCase();
  for (const [key, value] of Object.entries(obj)) {
    if (key.replace(/_/g, "").toLowerCase() === want) return value;
  }
  return undefined;
}

function decodeFailure(what: string): BadRequest {
  return new BadRequest(`Request decode failed: ${what}`);
}

function optionalString(obj: Json, name: string): string | undefined {
  const value = field(obj, name);
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "string") throw decodeFailure(`json: cannot unmarshal ${typeof value} into Go struct field ${name} of type string`);
  return value;
}

function isObject(value: unknown): value is Json {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

const metaKey = /^[a-zA-Z0-9_-]+$/;

/** Consul's service-meta rules (structs.ValidateServiceMetadata). */
function validateMeta(meta: Record<string, string>): void {
  const entries = Object.entries(meta);
  if (entries.length > 64) throw new BadRequest("Invalid Service Meta: Node metadata cannot contain more than 64 key/value pairs");
  for (const [key, value] of entries) {
    let reason: string | undefined;
    if (key === "") reason = "Key cannot be blank";
    else if (!metaKey.test(key)) reason = "Key contains invalid characters";
    else if (key.length > 128) reason = "Key is too long (limit: 128 characters)";
    else if (key.startsWith("consul-")) reason = "Key prefix 'consul-' is reserved for internal use";
    else if (value.length > 512) reason = "Value is too long (limit: 512 characters)";
    if (reason) throw new BadRequest(`Invalid Service Meta: ${reason}`);
  }
}

function decodeDuration(raw: unknown, name: string): number | undefined {
  if (raw === undefined || raw === null || raw === "") return undefined;
  if (typeof raw !== "string") throw decodeFailure(`json: cannot unmarshal ${typeof raw} into Go struct field ${name} of type string`);
  try {
    return parseGoDuration(raw);
  } catch (err) {
    throw decodeFailure((err as Error).message);
  }
}

/** Decodes and validates a PUT /v1/agent/service/register body, applying the agent's defaults. */
export function decodeRegistration(body: string, replaceExistingChecks: boolean): ServiceRegistration {
  let raw: unknown;
  try {
    raw = body.trim() === "" ? {} : JSON.parse(body);
  } catch (err) {
    throw decodeFailure((err as Error).message);
  }
  if (!isObject(raw)) throw decodeFailure("json: cannot unmarshal into Go value of type structs.ServiceDefinition");

  const name = optionalString(raw, "Name") ?? "";
  if (name === "") throw new BadRequest("Missing service name");
  const id = optionalString(raw, "ID") || name;
  const address = optionalString(raw, "Address") ?? "";
  if (address === "0.0.0.0" || address === "::" || address === "[::]") throw new BadRequest("Invalid service address");

  const port = field(raw, "Port") ?? 0;
  if (typeof port !== "number" || !Number.isInteger(port))
    throw decodeFailure("json: cannot unmarshal into Go struct field Port of type int");

  const rawTags = field(raw, "Tags") ?? [];
  if (!Array.isArray(rawTags) || rawTags.some((t) => typeof t !== "string")) {
    throw decodeFailure("json: cannot unmarshal into Go struct field Tags of type []string");
  }
  const rawMeta = field(raw, "Meta") ?? {};
  if (!isObject(rawMeta) || Object.values(rawMeta).some((v) => typeof v !== "string")) {
    throw decodeFailure("json: cannot unmarshal into Go struct field Meta of type map[string]string");
  }
  const meta = rawMeta as Record<string, string>;
  validateMeta(meta);

  const defs: Json[] = [];
  const single = field(raw, "Check");
  if (isObject(single) && Object.keys(single).length > 0) defs.push(single);
  const many = field(raw, "Checks");
  if (Array.isArray(many)) {
    for (const c of many) {
      if (!isObject(c)) throw decodeFailure("json: cannot unmarshal into Go struct field Checks of type structs.CheckType");
      defs.push(c);
    }
  }

  const checks = defs.map((def, i) => {
    const ttlMs = decodeDuration(field(def, "TTL"), "TTL");
    if (ttlMs === undefined) {
      throw new BadRequest("Invalid check: the fake Consul agent supports only TTL checks (set TTL)");
    }
    if (ttlMs <= 0) throw new BadRequest("Invalid check: TTL must be > 0 for TTL checks");
    const status = optionalString(def, "Status") ?? "";
    if (status !== "" && !checkStatuses.includes(status as CheckStatus)) {
      throw new BadRequest("Status for checks must 'passing', 'warning', 'critical'");
    }
    const suffix = defs.length > 1 ? `:${i + 1}` : "";
    return {
      checkId: optionalString(def, "CheckID") || optionalString(def, "ID") || `service:${id}${suffix}`,
      name: optionalString(def, "Name") || `Service '${name}' check`,
      notes: optionalString(def, "Notes") ?? "",
      status: (status || "critical") as CheckStatus,
      ttlMs,
      deregisterCriticalAfterMs: decodeDuration(field(def, "DeregisterCriticalServiceAfter"), "DeregisterCriticalServiceAfter"),
    };
  });

  return {
    service: { id, name, tags: rawTags as string[], meta, address, port },
    checks,
    replaceExistingChecks,
  };
}

/** Decodes a PUT /v1/agent/check/update body ({ Status, Output }). */
export function decodeCheckUpdate(body: string): { status: CheckStatus; output: string } {
  let raw: unknown;
  try {
    raw = body.trim() === "" ? {} : JSON.parse(body);
  } catch (err) {
    throw decodeFailure((err as Error).message);
  }
  if (!isObject(raw)) throw decodeFailure("json: cannot unmarshal into Go value of type checkUpdate");
  const status = optionalString(raw, "Status") ?? "";
  if (!checkStatuses.includes(status as CheckStatus)) throw new BadRequest(`Invalid check status: '${status}'`);
  return { status: status as CheckStatus, output: optionalString(raw, "Output") ?? "" };
}
