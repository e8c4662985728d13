import type { IncomingMessage, ServerResponse } from "node:http";

/** An HTTP error answered as JSON { error, message }. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    /** Stable code, for example "NotFound". */
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** One parsed request, as route handlers see it. */
export interface Request {
  readonly method: string;
  readonly path: string;
  readonly query: URLSearchParams;
  /** Values of the route pattern's ":name" segments, URL-decoded. */
  readonly params: Readonly<Record<string, string>>;
  readonly raw: IncomingMessage;
  /** The body parsed as JSON; {} when empty. HttpError 400 on bad JSON, 413 over 1 MiB. */
  json(): Promise<Record<string, unknown>>;
}

/** What a handler returns: a JSON body with a status, or nothing when it wrote the response itself. */
export type Reply = { status?: number; body: unknown } | undefined;

/** A route: method, a pattern such as "/cluster/members/:name", and its handler. */
export interface Route {
  readonly method: "GET" | "POST" | "PUT" | "DELETE";
  readonly pattern: string;
  /** True for routes that change the cluster (refused when the endpoint is read-only). */
  readonly mutates?: boolean;
  handle(request: Request, response: ServerResponse): Reply | Promise<Reply>;
}

const maxBodyBytes = 1024 * 1024;

/** Matches `path` against `pattern`; the ":name" values, or undefined when it does not match. */
export function matchRoute(pattern: string, path: string): Record<string, string> | undefined {
  const want = pattern.split("/");
  const got = path.split("/");
  if (want.length !== got.length) return undefined;
  const params: Record<string, string> = {};
  for (let i = 0; i < want.length; i++) {
    const w = want[i] as string;
    const g = got[i] as string;
    if (w.startsWith(":")) {
      if (g === "") return undefined;
      try {
        params[w.slice(1)] = decodeURIComponent(g);
      } catch {
        return undefined;
      }
    } else if (w !== g) return undefined;
  }
  return params;
}

/** Reads and parses a JSON body (at most 1 MiB). */
export async function readJson(request: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > maxBodyBytes) throw new HttpError(413, "PayloadTooLarge", `the request body is over ${maxBodyBytes} bytes`);
    chunks.push(chunk);
  }
  const text = Buffer.concat(chunks).toString("utf8").trim();
  if (text === "") return {};
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new HttpError(400, "BadRequest", "the request body is not valid JSON");
  }
  if (typeof value !== "object" || value === null || Array.isArray(value))
    throw new HttpError(400, "BadRequest", "the request body must be a JSON object");
  return value as Record<string, unknown>;
}

/** Writes `body` as JSON with `status`; no caching, since every answer is live state. */
export function sendJson(response: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  response.writeHead(status, {
    "content-type": "application/json; charset=utf-8",
    "content-length": Buffer.byteLength(text),
    "cache-control": "no-store",
  });
  response.end(text);
}

/** An integer query parameter within [min, max], `fallback` when absent; HttpError 400 otherwise. */
export function intParam(query: URLSearchParams, name: string, fallback: number, min: number, max: number): number {
  const raw = query.get(name);
  if (raw === null || raw === "") return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max)
    throw new HttpError(
      400,
      "BadRequest",
      `query parameter ${name} must be a whole number from ${min} to ${max}, got ${JSON.stringify(raw)}`,
    );
  return value;
}
