import type { AskOptions } from "@tsakt/actor";
import type { AskReplier, PluginHost } from "@tsakt/actor/internal";

/** The peer an ask went to; only its identity matters here. */
export type AskPeer = object;

/** One ask waiting for its REPLY or ERROR: the core's AskReplier (deadline, abort signal) under a correlation id. */
export class PendingAsk {
  constructor(
    readonly id: number,
    readonly peer: AskPeer,
    private readonly replier: AskReplier,
  ) {}

  /** Address of the asked actor, for error messages. */
  get target(): string {
    return this.replier.target;
  }

  /** Settles with the asker's result. */
  get promise(): Promise<unknown> {
    return this.replier.promise;
  }

  /** Milliseconds left before the ask times out, sent on the wire as the deadline. */
  remainingMs(): number {
    return this.replier.remainingMs();
  }

  resolve(value: unknown): void {
    this.replier.tell(value);
  }

  reject(error: unknown): void {
    this.replier.reject(error);
  }
}

/** Every ask of this node waiting for an answer from a peer, by correlation id; timeouts and aborts are the core's. */
export class PendingAsks {
  private readonly byId = new Map<number, PendingAsk>();
  private nextId = 0;
  /** Records each ask's time to settle in ms; set when the system runs with metrics. */
  recordDuration: ((ms: number) => void) | undefined = undefined;

  constructor(private readonly host: () => PluginHost) {}

  /** Drops a settled ask's id (shared by every ask, which carries its PendingAsk as the replier's tag). */
  private readonly forget = (replier: AskReplier): void => {
    const ask = replier.tag as PendingAsk;
    if (this.byId.get(ask.id) === ask) this.byId.delete(ask.id);
  };

  /** Number of asks waiting. */
  get size(): number {
    return this.byId.size;
  }

  /** Registers a new ask with a fresh correlation id, or returns the error to fail it with (bad options, aborted). */
  create(peer: AskPeer, target: string, options: AskOptions | undefined): PendingAsk | Error {
    const replier = this.host().prepareAsk(target, options);
    if (replier instanceof Error) return replier;
    let id = (this.nextId + 1) >>> 0 || 1;
    while (this.byId.has(id)) id = (id + 1) >>> 0 || 1;
    this.nextId = id;
    const ask = new PendingAsk(id, peer, replier);
    this.byId.set(id, ask);
    const record = this.recordDuration;
    if (record === undefined) {
      replier.tag = ask;
      replier.onSettled = this.forget;
    } else {
      const started = performance.now();
      replier.onSettled = () => {
        if (this.byId.get(id) === ask) this.byId.delete(id);
        record(performance.now() - started);
      };
    }
    return ask;
  }

  /** Removes and returns the ask with this id (its answer arrived), or undefined when it already ended. */
  take(id: number): PendingAsk | undefined {
    const ask = this.byId.get(id);
    if (ask !== undefined) this.byId.delete(id);
    return ask;
  }

  /** Like take, but only an ask sent to `peer`: an answer counts only from the node that was asked. */
  takeFrom(id: number, peer: AskPeer | undefined): PendingAsk | undefined {
    const ask = this.byId.get(id);
    if (ask === undefined || ask.peer !== peer) return undefined;
    this.byId.delete(id);
    return ask;
  }

  /** Fails every ask sent to `peer` (its connection was lost). */
  failPeer(peer: AskPeer, error: (ask: PendingAsk) => unknown): void {
    for (const ask of [...this.byId.values()]) if (ask.peer === peer && this.take(ask.id) === ask) ask.reject(error(ask));
  }

  /** Fails every ask (the node stopped). */
  failAll(error: (ask: PendingAsk) => unknown): void {
    for (const ask of [...this.byId.values()]) if (this.take(ask.id) === ask) ask.reject(error(ask));
  }
}
