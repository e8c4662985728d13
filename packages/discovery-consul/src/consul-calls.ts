import type { EventEmitter } from "node:events";

/** Options every call accepts: the ACL token and papi's absolute request timeout in milliseconds. */
export interface CallOptions {
  token?: string;
  timeout: number;
}

/** A health/service query; `index`/`wait` make it blocking and `ctx` lets a watch cancel it and read headers. */
export interface HealthServiceQuery extends CallOptions {
  service: string;
  passing: boolean;
  index?: string;
  wait?: string;
  ctx?: EventEmitter & { includeResponse: boolean };
}

/**
 * The slice of the `consul` client this package calls. Declared here because the library's
 * typings require fields that TTL checks do not use (Check.timeout) and hide index/wait/ctx.
 */
export interface ConsulCalls {
  agent: {
    service: {
      register(options: object): Promise<unknown>;
      deregister(options: { id: string } & CallOptions): Promise<unknown>;
    };
    check: {
      pass(options: { id: string } & CallOptions): Promise<unknown>;
    };
  };
  health: {
    service(options: HealthServiceQuery): Promise<unknown>;
  };
  destroy(): void;
}

/** One element of GET /v1/health/service/:service, reduced to the fields discovery reads. */
export interface HealthEntry {
  Node?: { Node?: string; Address?: string };
  Service?: {
    ID?: string;
    Service?: string;
    Address?: string;
    Port?: number;
    Tags?: string[] | null;
    Meta?: Record<string, string> | null;
  };
}

/** The HTTP status of a failed call, when the agent answered at all. */
export function statusOf(error: unknown): number | undefined {
  const status = (error as { statusCode?: unknown } | null)?.statusCode;
  return typeof status === "number" ? status : undefined;
}

/**
 * True when the agent no longer knows the check: Consul 1.11+ answers 404 "Unknown check ID",
 * older agents 500 "does not have associated TTL". Both mean the agent lost our registration.
 */
export function isUnknownCheck(error: unknown): boolean {
  const status = statusOf(error);
  if (status === 404) return true;
  return status === 500 && /associated TTL/i.test(error instanceof Error ? error.message : "");
}
