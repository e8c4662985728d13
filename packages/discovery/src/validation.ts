import { InvalidConfigError } from "./errors.js";
import type { DiscoveryNode } from "./provider.js";

/** Checks a node's name, host, port, roles and meta, and returns a defensive copy; errors name the field as `${field}.port` etc. Default field: "self". */
export function validateNode(node: unknown, field = "self"): DiscoveryNode {
  if (typeof node !== "object" || node === null)
    throw new InvalidConfigError(field, `must be a node object { name, host, port }, got ${show(node)}`);
  const { name, host, port, roles, meta } = node as Record<string, unknown>;
  const copy: DiscoveryNode = {
    name: validateNonEmptyString(name, `${field}.name`),
    host: validateHost(host, `${field}.host`),
    port: validatePort(port, `${field}.port`),
  };
  if (roles !== undefined) {
    if (!Array.isArray(roles) || !roles.every((r) => typeof r === "string" && r.length > 0)) {
      throw new InvalidConfigError(`${field}.roles`, `must be an array of non-empty strings, got ${show(roles)}`);
    }
    copy.roles = [...(roles as string[])];
  }
  if (meta !== undefined) {
    if (typeof meta !== "object" || meta === null || Array.isArray(meta) || !Object.values(meta).every((v) => typeof v === "string")) {
      throw new InvalidConfigError(`${field}.meta`, `must be an object of string values, got ${show(meta)}`);
    }
    copy.meta = { ...(meta as Record<string, string>) };
  }
  return copy;
}

/** Returns a copy of a node whose roles and meta are not shared with the original, so callers cannot mutate a provider's state. */
export function cloneNode(node: DiscoveryNode): DiscoveryNode {
  const copy: DiscoveryNode = { name: node.name, host: node.host, port: node.port };
  if (node.roles !== undefined) copy.roles = [...node.roles];
  if (node.meta !== undefined) copy.meta = { ...node.meta };
  return copy;
}

/** Checks a TCP port: an integer from 1 to 65535. */
export function validatePort(value: unknown, field: string): number {
  if (typeof value !== "number" || !Number.isInteger(value) || value < 1 || value > 65_535) {
    throw new InvalidConfigError(field, `must be an integer from 1 to 65535, got ${show(value)}`);
  }
  return value;
}

/** Checks a host name or IP address: a non-empty string without whitespace. */
export function validateHost(value: unknown, field: string): string {
  const host = validateNonEmptyString(value, field);
  if (/\s/.test(host)) throw new InvalidConfigError(field, `must not contain whitespace, got ${show(value)}`);
  return host;
}

/** Checks a non-empty string. */
export function validateNonEmptyString(value: unknown, field: string): string {
  if (typeof value !== "string" || value.length === 0)
    throw new InvalidConfigError(field, `must be a non-empty string, got ${show(value)}`);
  return value;
}

/** Checks an integer greater than zero; `undefined` yields `fallback` when one is given. */
export function validatePositiveInteger(value: unknown, field: string, fallback?: number): number {
  if (value === undefined && fallback !== undefined) return fallback;
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value <= 0) {
    throw new InvalidConfigError(field, `must be a positive integer, got ${show(value)}`);
  }
  return value;
}

/** Checks a duration in milliseconds: a finite number greater than zero; `undefined` yields `fallback` when one is given. */
export function validateDurationMs(value: unknown, field: string, fallback?: number): number {
  if (value === undefined && fallback !== undefined) return fallback;
  if (typeof value !== "number" || !Number.isFinite(value) || value <= 0) {
    throw new InvalidConfigError(field, `must be a duration in milliseconds greater than 0, got ${show(value)}`);
  }
  return value;
}

/** Parses "host:port" (or "[v6]:port") into its parts; errors say `${field} is not host:port`. */
export function parseHostPort(value: unknown, field: string): { host: string; port: number } {
  const text = typeof value === "string" ? value.trim() : undefined;
  const match = text === undefined ? null : /^(?:\[([^\]\s]+)\]|([^:\s[\]]+)):(\d{1,5})$/.exec(text);
  if (match === null) throw new InvalidConfigError(field, `is not host:port, got ${show(value)}`);
  const host = match[1] ?? match[2] ?? "";
  const port = Number(match[3]);
  if (port < 1 || port > 65_535) throw new InvalidConfigError(field, `has port ${port}, which is outside 1-65535`);
  return { host, port };
}

function show(value: unknown): string {
  if (typeof value === "string") return JSON.stringify(value);
  if (typeof value === "number" || typeof value === "boolean" || value === null || value === undefined) return String(value);
  if (Array.isArray(value)) return "an array";
  return `a ${typeof value}`;
}
