import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { createServer as createHttpsServer, type ServerOptions as HttpsServerOptions } from "node:https";
import type { AddressInfo } from "node:net";

/** Handles one HTTP request of a fake server. */
export type RequestHandler = (req: IncomingMessage, res: ServerResponse, url: URL) => void | Promise<void>;

/** A node:http (or, given TLS options, node:https) server bound to 127.0.0.1 that can be stopped and started again on the same port. */
export class LoopbackServer {
  #server: Server | undefined;
  #port: number;

  constructor(
    private readonly handler: RequestHandler,
    port = 0,
    private readonly tls?: HttpsServerOptions,
  ) {
    this.#port = port;
  }

  /** The bound port (0 until the first start). */
  get port(): number {
    return this.#port;
  }

  get running(): boolean {
    return this.#server !== undefined;
  }

  async start(): Promise<void> {
    if (this.#server) return;
    const listener = (req: IncomingMessage, res: ServerResponse): void => {
      const url = new URL(req.url ?? "/", "http://127.0.0.1");
      Promise.resolve(this.handler(req, res, url)).catch((err: unknown) => {
        if (!res.headersSent) {
          res.writeHead(500, { "Content-Type": "text/plain; charset=utf-8" });
        }
        res.end(err instanceof Error ? err.message : String(err));
      });
    };
    const server: Server = this.tls ? createHttpsServer(this.tls, listener) : createServer(listener);
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(this.#port, "127.0.0.1", () => {
        server.off("error", reject);
        resolve();
      });
    });
    this.#port = (server.address() as AddressInfo).port;
    this.#server = server;
  }

  /** Closes the listener and drops every open connection, as a killed process would. */
  async stop(): Promise<void> {
    const server = this.#server;
    if (!server) return;
    this.#server = undefined;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeAllConnections();
    await closed;
  }
}

/** Reads a request body as UTF-8 text (bounded at 1 MiB, like a sane API server). */
export async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buf = chunk as Buffer;
    size += buf.length;
    if (size > 1 << 20) throw new Error("request body too large");
    chunks.push(buf);
  }
  return Buffer.concat(chunks).toString("utf8");
}

/** Sends a JSON body with the given status and extra headers. */
export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { "Content-Type": "application/json", "Content-Length": Buffer.byteLength(text), ...headers });
  res.end(text);
}

/** Sends a plain-text body, the way Go's net/http reports handler errors. */
export function sendText(res: ServerResponse, status: number, text: string): void {
  res.writeHead(status, { "Content-Type": "text/plain; charset=utf-8", "Content-Length": Buffer.byteLength(text) });
  res.end(text);
}
