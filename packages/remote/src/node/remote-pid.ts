import { type AskOptions, DeadActorError, type Logger, type PID } from "@tsakt/actor";
import { TellOnlyPID, type WatchablePID } from "@tsakt/actor/internal";
import type { Peer } from "../transport/peer.js";
import { carrierBrand, type MetadataCarrier } from "./propagation.js";

/** The sending side the PIDs below write through (Outbound implements it). */
export interface PidOutbound {
  /** Queues a tell; false when the queue is full or the message cannot be encoded. */
  tell(peer: Peer, receiver: string, message: unknown, sender: PID | undefined): boolean;
  /** Sends an ask; settles with the reply or a typed error. */
  ask(peer: Peer, receiver: string, message: unknown, options: AskOptions | undefined): Promise<unknown>;
  /** Queues a tell, waiting while the queue is full. */
  send(peer: Peer, receiver: string, message: unknown, sender: PID | undefined): Promise<void>;
  /** Answers the incoming ask `correlationId`. */
  reply(peer: Peer, correlationId: number, message: unknown): boolean;
  /** Fails the incoming ask `correlationId` with `error`. */
  replyFailure(peer: Peer, correlationId: number, error: unknown): void;
}

/** What remote PIDs and sender references need from their node (RemoteNode implements it). */
export interface PidHost {
  readonly out: PidOutbound;
  readonly logger: Logger;
  /** Watches the remote actor `pid` for the local `watcher`. */
  watchRemote(pid: RemotePID, watcher: PID): void;
  unwatchRemote(pid: RemotePID, watcher: PID): void;
  /** Stops the actor at `path` on `peer`. */
  stopRemote(peer: Peer, path: string, timeoutMs?: number): Promise<void>;
  /** The propagator's context for `metadata`. */
  extract(metadata: Readonly<Record<string, string>> | undefined): unknown;
  deadLetter(message: unknown, sender: PID | undefined, receiver: string, reason: string): void;
}

/** Path of `address` inside its system ("/user/a"), given the node prefix it most likely starts with. */
export function pathOf(address: string, prefix: string): string {
  if (address.startsWith(prefix)) return address.slice(prefix.length);
  const at = address.indexOf("/", "tsakt://".length);
  return at < 0 ? "" : address.slice(at);
}

/**
 * An actor on another node. tell and ask go over the one connection to that node; ctx.watch works through
 * addWatcher; ctx.stop(pid) stops it there. Remoting also makes one per incoming message as its sender,
 * carrying the message's metadata (see metadataOf).
 */
export class RemotePID implements WatchablePID, MetadataCarrier {
  /** Set when a watch of this actor reported it stopped, or its node was lost. */
  dead = false;
  private pathCache: string | undefined = undefined;
  private extracted: { value: unknown } | undefined = undefined;

  constructor(
    private readonly node: PidHost,
    /** The connection to the actor's node. */
    readonly peer: Peer,
    readonly address: string,
    /** Headers of the message this reference came with as sender; undefined otherwise. */
    readonly metadata: Readonly<Record<string, string>> | undefined = undefined,
  ) {}

  get path(): string {
    return (this.pathCache ??= pathOf(this.address, this.peer.prefix));
  }

  get name(): string {
    const path = this.path;
    return path.slice(path.lastIndexOf("/") + 1);
  }

  tell(message: unknown, sender?: PID): boolean {
    return this.node.out.tell(this.peer, this.address, message, sender);
  }

  ask<R = unknown>(message: unknown, options?: AskOptions): Promise<R> {
    return this.node.out.ask(this.peer, this.address, message, options) as Promise<R>;
  }

  send(message: unknown, sender?: PID): Promise<void> {
    return this.node.out.send(this.peer, this.address, message, sender);
  }

  isAlive(): boolean {
    return !this.dead && !this.peer.givenUp;
  }

  addWatcher(watcher: PID): void {
    this.node.watchRemote(this, watcher);
  }

  removeWatcher(watcher: PID): void {
    this.node.unwatchRemote(this, watcher);
  }

  /** Stops the actor on its node (what ctx.stop(pid) calls); failures are logged, use remoteOf(system).stop to await them. */
  stop(): Promise<void> {
    return this.node.stopRemote(this.peer, this.path).catch((error: unknown) => {
      this.node.logger.warn({ err: error, actor: this.address }, "remote stop failed");
    });
  }

  propagatedContext(): unknown {
    this.extracted ??= { value: this.node.extract(this.metadata) };
    return this.extracted.value;
  }

  presetContext(value: unknown): void {
    this.extracted = { value };
  }

  toString(): string {
    return this.address;
  }
}

/** The sender of an incoming ask: telling it (ctx.respond) sends the REPLY for the asker's correlation id. */
export class ReplyPID extends TellOnlyPID implements MetadataCarrier {
  private done = false;
  private extracted: { value: unknown } | undefined = undefined;

  constructor(
    private readonly node: PidHost,
    private readonly peer: Peer,
    readonly correlationId: number,
    /** performance.now() after which the asker has given up; 0 for none. */
    private readonly expiresAt: number,
    readonly metadata: Readonly<Record<string, string>> | undefined,
  ) {
    super();
  }

  get name(): string {
    return String(this.correlationId);
  }

  get path(): string {
    return `/$ask/${this.correlationId}`;
  }

  /** The asker's temporary address: a tell to it from any node completes the ask. */
  get address(): string {
    return this.peer.prefix + this.path;
  }

  tell(message: unknown): boolean {
    if (this.done) {
      this.node.deadLetter(message, undefined, this.address, "ask already answered");
      return false;
    }
    this.done = true;
    if (this.expiresAt !== 0 && performance.now() > this.expiresAt) {
      this.node.deadLetter(message, undefined, this.address, "reply after the asker's deadline");
      return false;
    }
    return this.node.out.reply(this.peer, this.correlationId, message);
  }

  isAlive(): boolean {
    return !this.done;
  }

  /** Milliseconds left before the asker gives up (0 once past); the system's ask timeout when the asker sent no deadline. */
  remainingMs(fallbackMs: number): number {
    return this.expiresAt === 0 ? fallbackMs : Math.max(0, Math.ceil(this.expiresAt - performance.now()));
  }

  /** Fails the remote ask with `error` (for runtimes that report undeliverable asks). */
  reject(error: unknown): void {
    if (this.done) return;
    this.done = true;
    this.node.out.replyFailure(this.peer, this.correlationId, error);
  }

  propagatedContext(): unknown {
    this.extracted ??= { value: this.node.extract(this.metadata) };
    return this.extracted.value;
  }

  presetContext(value: unknown): void {
    this.extracted = { value };
  }
}

/** Stands in as sender for a message that came with metadata but without a sender; replies go to dead letters. */
export class AnonymousSender implements PID, MetadataCarrier {
  readonly name = "";
  readonly path = "";
  readonly address = "";
  private extracted: { value: unknown } | undefined = undefined;

  constructor(
    private readonly node: PidHost,
    readonly metadata: Readonly<Record<string, string>>,
  ) {}

  tell(message: unknown): boolean {
    this.node.deadLetter(message, undefined, "(no sender)", "reply to a remote message without a sender");
    return false;
  }

  ask<T>(): Promise<T> {
    return Promise.reject(new DeadActorError("(no sender)"));
  }

  send(message: unknown): Promise<void> {
    this.tell(message);
    return Promise.resolve();
  }

  isAlive(): boolean {
    return false;
  }

  propagatedContext(): unknown {
    this.extracted ??= { value: this.node.extract(this.metadata) };
    return this.extracted.value;
  }

  presetContext(value: unknown): void {
    this.extracted = { value };
  }
}

for (const cls of [RemotePID, ReplyPID, AnonymousSender]) Object.defineProperty(cls.prototype, carrierBrand, { value: true });
