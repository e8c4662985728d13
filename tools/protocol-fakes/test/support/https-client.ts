import type { IncomingHttpHeaders } from "node:http";
import { request } from "node:https";
import type { FakeKubernetesApi, PemPair } from "../../src/index.js";

/** How a test request authenticates and what it accepts. */
export interface CallOptions {
  /** Bearer token; default: the fake's default token. `null` sends none. */
  token?: string | null;
  /** A client certificate to present. */
  clientCertificate?: PemPair;
  /** The CA to trust; default: the fake's CA. */
  ca?: string;
  method?: string;
  accept?: string;
  body?: string;
}

/** A response with its body read as text. */
export interface CallResult {
  status: number;
  headers: IncomingHttpHeaders;
  text: string;
  json(): any;
}

function send(api: FakeKubernetesApi, path: string, options: CallOptions) {
  const token = options.token === undefined ? api.token : options.token;
  return request(`${api.url}${path}`, {
    method: options.method ?? "GET",
    ca: options.ca ?? api.caCertificate,
    ...(options.clientCertificate ? { cert: options.clientCertificate.cert, key: options.clientCertificate.key } : {}),
    headers: {
      ...(token === null ? {} : { Authorization: `Bearer ${token}` }),
      ...(options.accept ? { Accept: options.accept } : {}),
      // Node sends a DELETE body without a length unless told, which no server can parse.
      ...(options.body ? { "Content-Type": "application/json", "Content-Length": Buffer.byteLength(options.body) } : {}),
    },
    agent: false,
  });
}

/** One HTTPS request to the fake, trusting its CA. */
export function call(api: FakeKubernetesApi, path: string, options: CallOptions = {}): Promise<CallResult> {
  return new Promise((resolve, reject) => {
    const req = send(api, path, options);
    req.on("error", reject);
    req.on("response", (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (chunk: Buffer) => chunks.push(chunk));
      res.on("error", reject);
      res.on("end", () => {
        const text = Buffer.concat(chunks).toString("utf8");
        resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json: () => JSON.parse(text) });
      });
    });
    req.end(options.body);
  });
}

/** One watch event as the API server streams it. */
export interface WatchEvent {
  type: string;
  object: any;
}

/** An open watch stream; next() waits for the next event (or "end") and fails after `ms`. */
export interface OpenWatch {
  status: number;
  headers: IncomingHttpHeaders;
  next(ms?: number): Promise<WatchEvent | "end">;
  /** Events already received and not yet taken with next(). */
  buffered(): WatchEvent[];
  close(): void;
}

/** Opens a watch (`query` without watch=true) on the default namespace's pods. */
export function openWatch(api: FakeKubernetesApi, query: string, options: CallOptions = {}): Promise<OpenWatch> {
  return new Promise((resolve, reject) => {
    const req = send(api, `/api/v1/namespaces/default/pods?watch=true${query ? `&${query}` : ""}`, options);
    req.on("error", reject);
    req.on("response", (res) => {
      const events: WatchEvent[] = [];
      let partial = "";
      let ended = false;
      let wake: (() => void) | undefined;
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => {
        partial += chunk;
        for (let newline = partial.indexOf("\n"); newline >= 0; newline = partial.indexOf("\n")) {
          events.push(JSON.parse(partial.slice(0, newline)) as WatchEvent);
          partial = partial.slice(newline + 1);
        }
        wake?.();
      });
      const finish = (): void => {
        ended = true;
        wake?.();
      };
      res.on("end", finish);
      res.on("close", finish);
      res.on("error", finish);
      async function next(ms = 3000): Promise<WatchEvent | "end"> {
        const deadline = Date.now() + ms;
        for (;;) {
          const event = events.shift();
          if (event) return event;
          if (ended) return "end";
          const left = deadline - Date.now();
          if (left <= 0) throw new Error("no watch event in time");
          await new Promise<void>((r) => {
            const timer = setTimeout(r, left);
            wake = () => {
              clearTimeout(timer);
              r();
            };
          });
          wake = undefined;
        }
      }
      resolve({ status: res.statusCode ?? 0, headers: res.headers, next, buffered: () => [...events], close: () => req.destroy() });
    });
    req.end();
  });
}
