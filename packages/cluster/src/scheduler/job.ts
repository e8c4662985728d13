import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import { InvalidOptionError } from "@tsakt/actor";
import { messageOfError as messageOf } from "@tsakt/actor/internal";
import { Cron } from "croner";
import { type ClusterJobDefinition, ClusterJobDefinitionSchema } from "../gen/tsakt/cluster/v1/scheduler_pb.js";
import type { MissedPolicy } from "./options.js";

/** A cluster job as list() shows it. */
export interface ClusterJob {
  /** The cluster-unique name. */
  readonly name: string;
  /** "once" (one due time) or "cron" (every match of the expression). */
  readonly kind: "once" | "cron";
  /** The cron expression (kind "cron"). */
  readonly expression?: string;
  /** The time zone of the expression (kind "cron"). */
  readonly timezone?: string;
  /** The due time in epoch ms (kind "once"). */
  readonly atMs?: number;
  /** The cluster-wide actor name each due time is told to. */
  readonly target: string;
  /** What a new owner does with due times missed during a failover. */
  readonly missed: MissedPolicy;
  /** When the job was scheduled, epoch ms. */
  readonly createdAtMs: number;
}

/** The longest job name. */
export const MAX_JOB_NAME_LENGTH = 200;

/** Checks a job or target name (InvalidOptionError naming `field`). */
export function checkName(field: string, value: unknown): string {
  if (typeof value !== "string" || value.length === 0 || value.length > MAX_JOB_NAME_LENGTH)
    throw new InvalidOptionError(field, `must be a non-empty string of at most ${MAX_JOB_NAME_LENGTH} characters`);
  return value;
}

/** Parses a cron expression in `timezone` (InvalidOptionError naming "expression" or "timezone"). */
export function parseCron(expression: unknown, timezone: unknown): Cron {
  if (typeof timezone !== "string") throw new InvalidOptionError("timezone", 'must be an IANA time zone such as "UTC"');
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: timezone });
  } catch (error) {
    throw new InvalidOptionError("timezone", `must be an IANA time zone such as "Europe/Stockholm": ${messageOf(error)}`);
  }
  if (typeof expression !== "string" || expression.trim().length === 0 || expression.includes(":"))
    throw new InvalidOptionError("expression", 'must be a cron pattern such as "*/5 * * * *" (6 fields: seconds first)');
  let cron: Cron;
  try {
    cron = new Cron(expression, { timezone });
  } catch (error) {
    throw new InvalidOptionError("expression", `${JSON.stringify(expression)} is not a valid cron expression: ${messageOf(error)}`);
  }
  if (cron.nextRun() === null) throw new InvalidOptionError("expression", `${JSON.stringify(expression)} never matches a future time`);
  return cron;
}

/** A stored definition with its parsed cron. */
export interface JobDefinition {
  readonly proto: ClusterJobDefinition;
  readonly cron: Cron | undefined;
}

/** Wraps a definition read from the registry. */
export function definitionOf(proto: ClusterJobDefinition): JobDefinition {
  return { proto, cron: proto.kind === "cron" ? new Cron(proto.expression, { timezone: proto.timezone }) : undefined };
}

/** The public view of a definition. */
export function jobOf(d: ClusterJobDefinition): ClusterJob {
  const common = { name: d.name, target: d.target, missed: d.missed as MissedPolicy, createdAtMs: Number(d.createdAtMs) };
  return d.kind === "cron"
    ? { ...common, kind: "cron", expression: d.expression, timezone: d.timezone }
    : { ...common, kind: "once", atMs: Number(d.atMs) };
}

/** True when two definitions schedule the same thing (the creation time aside). */
export function sameJob(a: ClusterJobDefinition, b: ClusterJobDefinition): boolean {
  return (
    a.kind === b.kind &&
    a.expression === b.expression &&
    a.timezone === b.timezone &&
    (a.kind === "cron" || a.atMs === b.atMs) &&
    a.target === b.target &&
    a.missed === b.missed
  );
}

/** Serializes a definition for the registry. */
export function encodeDefinition(init: Omit<ClusterJobDefinition, "$typeName">): Uint8Array {
  return toBinary(ClusterJobDefinitionSchema, create(ClusterJobDefinitionSchema, init));
}

/** Reads a definition from registry data. */
export function decodeDefinition(data: Uint8Array): ClusterJobDefinition {
  return fromBinary(ClusterJobDefinitionSchema, data);
}

/** The due times in (after, upTo], ascending; at most the newest `limit`. */
export function dueTimesBetween(job: JobDefinition, after: number, upTo: number, limit: number): number[] {
  if (job.cron === undefined) {
    const at = Number(job.proto.atMs);
    return at > after && at <= upTo && limit > 0 ? [at] : [];
  }
  const dues: number[] = [];
  // Bounded: a cron matches at most once a second, and the window is bounded by catchUpWindowMs or a tick.
  for (let t = after, n = 0; n < 1_000_000; n++) {
    const next = job.cron.nextRun(new Date(t))?.getTime();
    if (next === undefined || next > upTo) break;
    dues.push(next);
    if (dues.length > limit) dues.shift();
    t = next;
  }
  return dues;
}
