import type { IncomingMessage, ServerResponse } from "node:http";

/** Seconds between keep-alive comments, so proxies do not close an idle stream. */
const heartbeatMs = 15_000;

/**
 * The live stream behind the dashboard: Server-Sent Events (text/event-stream). A new listener first gets a "hello"
 * event with the full snapshot, then every published event. Browsers reconnect by themselves (EventSource), and a
 * reconnect gets a fresh snapshot, so nothing has to be replayed.
 */
export class LiveStream {
  private readonly listeners = new Set<ServerResponse>();
  private heartbeat: NodeJS.Timeout | undefined = undefined;

  constructor(private readonly snapshot: () => Promise<unknown>) {}

  /** Listeners connected now. */
  get size(): number {
    return this.listeners.size;
  }

  /** Serves one listener until it disconnects. */
  async open(request: IncomingMessage, response: ServerResponse): Promise<void> {
    response.writeHead(200, {
      "content-type": "text/event-stream; charset=utf-8",
      "cache-control": "no-store",
      connection: "keep-alive",
      "x-accel-buffering": "no",
    });
    response.write("retry: 1000\n\n");
    this.listeners.add(response);
    const gone = () => this.listeners.delete(response);
    request.once("close", gone);
    response.once("close", gone);
    this.heartbeat ??= setInterval(() => {
      for (const listener of this.listeners) listener.write(": keep-alive\n\n");
    }, heartbeatMs).unref();
    try {
      write(response, "hello", await this.snapshot());
    } catch (error) {
      write(response, "problem", { message: error instanceof Error ? error.message : String(error) });
    }
  }

  /** Sends `data` as event `event` to every listener. */
  publish(event: string, data: unknown): void {
    if (this.listeners.size === 0) return;
    const frame = frameOf(event, data);
    for (const listener of this.listeners) listener.write(frame);
  }

  /** Ends every stream. */
  close(): void {
    clearInterval(this.heartbeat);
    this.heartbeat = undefined;
    for (const listener of this.listeners) listener.end();
    this.listeners.clear();
  }
}

function frameOf(event: string, data: unknown): string {
  return `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
}

function write(response: ServerResponse, event: string, data: unknown): void {
  if (!response.writableEnded) response.write(frameOf(event, data));
}
