// What main.ts and the dashboard demo share: starting node processes, sending them commands, waiting.
import { type ChildProcess, fork } from "node:child_process";
import { createServer, type Server } from "node:net";
import type { Command, NodeArgs } from "./node.js";

/** A node's answer to a command. */
export type Reply = Record<string, unknown> & { id: number; error?: string };
/** A command without its id. */
export type Request = Command extends infer C ? (C extends { id: number } ? Omit<C, "id"> : never) : never;

/** A bank node process and a way to send it commands. */
export class Node {
  private nextId = 1;
  private readonly waiting = new Map<number, (reply: Reply) => void>();
  readonly started: Promise<string>;
  /** The node's management URL, once started with the dashboard. */
  url = "";

  constructor(
    readonly label: string,
    readonly process: ChildProcess,
  ) {
    this.started = new Promise((resolve, reject) => {
      process.once("exit", (code) => reject(new Error(`${label} exited with ${code} before it started`)));
      this.waiting.set(0, (reply) => {
        this.url = String(reply.url ?? "");
        resolve(String(reply.started));
      });
    });
    // A node that exits answers nothing more: fail what waits for it instead of hanging.
    process.once("exit", () => {
      for (const [id, done] of [...this.waiting]) if (id !== 0) done({ id, error: `${label} exited` });
      this.waiting.clear();
    });
    process.on("message", (reply: Reply) => {
      const done = this.waiting.get(reply.id);
      this.waiting.delete(reply.id);
      done?.(reply);
    });
  }

  send(request: Request): Promise<Reply> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.waiting.set(id, (reply) => (reply.error === undefined ? resolve(reply) : reject(new Error(`${this.label}: ${reply.error}`))));
      this.process.send({ id, ...request });
    });
  }
}

/**
 * `count` distinct free TCP ports on 127.0.0.1. All are held open at once before any is released: a port released
 * before the next is asked for can be handed out again, which gave two nodes the same port.
 */
export async function freePorts(count: number): Promise<number[]> {
  const servers = await Promise.all(
    Array.from(
      { length: count },
      () =>
        new Promise<Server>((resolve, reject) => {
          const server = createServer();
          server.once("error", reject);
          server.listen(0, "127.0.0.1", () => resolve(server));
        }),
    ),
  );
  const ports = servers.map((server) => (server.address() as { port: number }).port);
  await Promise.all(servers.map((server) => new Promise<void>((resolve) => server.close(() => resolve()))));
  return ports;
}

/** Polls `check` every 50 ms until it returns a value; fails after `timeoutMs`. */
export async function until<T>(what: string, timeoutMs: number, check: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Forks the bank node `label` with `args`; its output goes to this process's. */
export function startNode(label: string, args: NodeArgs): Node {
  return new Node(
    label,
    fork(new URL("./node.js", import.meta.url), [JSON.stringify(args)], { stdio: ["ignore", "inherit", "inherit", "ipc"] }),
  );
}
