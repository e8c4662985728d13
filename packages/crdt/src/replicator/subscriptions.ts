import { create } from "@bufbuild/protobuf";
import type { PID } from "@tsakt/actor";
import type { Clock, TimerHandle } from "@tsakt/actor/internal";
import type { Replicated } from "../crdt.js";
import { type Changed, ChangedSchema } from "../gen/tsakt/crdt/v1/replicator_pb.js";
import { toProto } from "../to-proto.js";

/** The `Changed` message subscribers of `key` get for `value`. */
export function changedMessage(key: string, value: Replicated): Changed {
  return create(ChangedSchema, { key, value: toProto(key, value) });
}

/**
 * Actors subscribed to keys. Changes are collected and told once per `intervalMs` per key, with the value at that
 * moment (several changes in between give one message). Subscribers that stopped are dropped.
 */
export class Subscriptions {
  private readonly byKey = new Map<string, Set<PID>>();
  private readonly dirty = new Set<string>();
  private timer: TimerHandle | undefined;
  private closed = false;

  constructor(
    private readonly clock: Clock,
    private readonly intervalMs: number,
    private readonly current: (key: string) => Replicated | undefined,
  ) {}

  /** Adds `pid` to `key`'s subscribers and tells it the current value, when there is one. */
  add(key: string, pid: PID): void {
    let set = this.byKey.get(key);
    if (set === undefined) this.byKey.set(key, (set = new Set()));
    set.add(pid);
    const value = this.current(key);
    if (value !== undefined) pid.tell(changedMessage(key, value));
  }

  /** Removes `pid` from `key`'s subscribers; true when it was one. */
  remove(key: string, pid: PID): boolean {
    const set = this.byKey.get(key);
    if (set === undefined) return false;
    let removed = set.delete(pid);
    if (!removed)
      for (const p of set)
        if (p.address === pid.address) {
          set.delete(p);
          removed = true;
        }
    if (set.size === 0) this.byKey.delete(key);
    return removed;
  }

  /** Number of subscriptions of `key`. */
  count(key: string): number {
    return this.byKey.get(key)?.size ?? 0;
  }

  /** Notes a change of `key`; its subscribers hear of it at the next flush. */
  changed(key: string): void {
    if (this.closed || !this.byKey.has(key)) return;
    this.dirty.add(key);
    if (this.timer === undefined) this.timer = this.clock.setTimeout(() => this.flush(), this.intervalMs);
  }

  /** Tells every subscriber of a changed key its value now. */
  flush(): void {
    this.timer = undefined;
    for (const key of this.dirty) {
      const set = this.byKey.get(key);
      const value = this.current(key);
      if (set === undefined || value === undefined) continue;
      const message = changedMessage(key, value);
      for (const pid of set) {
        if (pid.isAlive()) pid.tell(message);
        else set.delete(pid);
      }
      if (set.size === 0) this.byKey.delete(key);
    }
    this.dirty.clear();
  }

  /** Stops telling; pending changes are dropped. */
  close(): void {
    this.closed = true;
    if (this.timer !== undefined) this.clock.clearTimeout(this.timer);
    this.timer = undefined;
    this.dirty.clear();
    this.byKey.clear();
  }
}
