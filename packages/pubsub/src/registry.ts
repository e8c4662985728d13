import type { PID } from "@tsakt/actor";

const none: readonly PID[] = Object.freeze([]);

interface Subscriber {
  readonly pid: PID;
  readonly topics: Set<string>;
}

/**
 * Who is subscribed to what, keyed by address so two PID objects of one actor count once. Each topic's list is
 * replaced, never mutated, on change: publishing iterates a stable array and allocates nothing.
 */
export class TopicRegistry {
  private readonly lists = new Map<string, readonly PID[]>();
  private readonly subscribers = new Map<string, Subscriber>();

  /** The subscribers of `topic`, empty when none. */
  subscribersOf(topic: string): readonly PID[] {
    return this.lists.get(topic) ?? none;
  }

  /** Sorted names of the topics that have at least one subscriber. */
  topicNames(): string[] {
    return [...this.lists.keys()].sort();
  }

  /** How many topics have at least one subscriber. */
  topicCount(): number {
    return this.lists.size;
  }

  /** Subscriptions (actor, topic) in all; read at metrics collection, not on the publish path. */
  subscriptionCount(): number {
    let n = 0;
    for (const list of this.lists.values()) n += list.length;
    return n;
  }

  /** True when the actor at `address` has at least one subscription. */
  has(address: string): boolean {
    return this.subscribers.has(address);
  }

  /** Subscribes `pid` to `topic`; returns true when the topic had no subscriber before. Idempotent. */
  add(topic: string, pid: PID): boolean {
    const address = pid.address;
    let entry = this.subscribers.get(address);
    if (entry === undefined) {
      entry = { pid, topics: new Set() };
      this.subscribers.set(address, entry);
    }
    if (entry.topics.has(topic)) return false;
    entry.topics.add(topic);
    const list = this.lists.get(topic);
    this.lists.set(topic, list === undefined ? [pid] : [...list, pid]);
    return list === undefined;
  }

  /** Unsubscribes the actor at `address` from `topic`; returns true when the topic has no subscriber left. */
  remove(topic: string, address: string): boolean {
    const entry = this.subscribers.get(address);
    if (entry === undefined || !entry.topics.delete(topic)) return false;
    if (entry.topics.size === 0) this.subscribers.delete(address);
    return this.drop(topic, address);
  }

  /** Removes every subscription of the actor at `address`; returns the topics left without subscribers. */
  removeAll(address: string): string[] {
    const entry = this.subscribers.get(address);
    if (entry === undefined) return [];
    this.subscribers.delete(address);
    const emptied: string[] = [];
    for (const topic of entry.topics) if (this.drop(topic, address)) emptied.push(topic);
    return emptied;
  }

  private drop(topic: string, address: string): boolean {
    const list = this.lists.get(topic);
    if (list === undefined) return false;
    const rest = list.filter((pid) => pid.address !== address);
    if (rest.length > 0) {
      this.lists.set(topic, rest);
      return false;
    }
    this.lists.delete(topic);
    return true;
  }
}
