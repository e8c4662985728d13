import type { AskOptions, PID } from "@tsakt/actor";
import { isWatchable } from "@tsakt/actor/internal";
import { DatacenterUnavailableError, type UnavailableReason } from "./errors.js";

/**
 * A PID of an actor in another datacenter: tell and ask go straight to it over remoting, but fail fast while its
 * datacenter is INACTIVE here (ask rejects with DatacenterUnavailableError, tell returns false and dead-letters).
 */
export class DatacenterPID implements PID {
  constructor(
    /** The remote PID messages go to. */
    readonly target: PID,
    /** The datacenter the actor lives in. */
    readonly datacenter: string,
    private readonly unavailable: () => UnavailableReason | undefined,
    private readonly deadLetter: (message: unknown, sender: PID | undefined, reason: string) => void,
  ) {}

  get name(): string {
    return this.target.name;
  }

  get path(): string {
    return this.target.path;
  }

  get address(): string {
    return this.target.address;
  }

  tell(message: unknown, sender?: PID): boolean {
    const reason = this.unavailable();
    if (reason === undefined) return this.target.tell(message, sender);
    this.deadLetter(message, sender, `datacenter "${this.datacenter}" is ${reason}`);
    return false;
  }

  ask<R = unknown>(message: unknown, options?: AskOptions): Promise<R> {
    const reason = this.unavailable();
    if (reason !== undefined) return Promise.reject(new DatacenterUnavailableError(this.datacenter, reason));
    return this.target.ask<R>(message, options);
  }

  send(message: unknown, sender?: PID): Promise<void> {
    const reason = this.unavailable();
    if (reason !== undefined) return Promise.reject(new DatacenterUnavailableError(this.datacenter, reason));
    return this.target.send(message, sender);
  }

  isAlive(): boolean {
    return this.unavailable() === undefined && this.target.isAlive();
  }

  /** Death watch across datacenters, as for any remote PID. */
  addWatcher(watcher: PID): void {
    if (isWatchable(this.target)) this.target.addWatcher(watcher);
  }

  /** Ends a death watch. */
  removeWatcher(watcher: PID): void {
    if (isWatchable(this.target)) this.target.removeWatcher(watcher);
  }
}
