import { DiscoveryUnavailableError } from "./errors.js";
import type { DiscoveryNode } from "./provider.js";
import { cloneNode } from "./validation.js";

interface Entry {
  owner: object;
  node: DiscoveryNode;
}

/** An in-process stand-in for a discovery backend, shared by the MemoryDiscoveryProvider instances that should see each other. */
export class MemoryNetwork {
  readonly #entries = new Map<string, Entry>();
  readonly #startListeners = new Set<() => void>();
  #running = true;

  /** False between stop() and start(); while stopped, providers' calls reject with DiscoveryUnavailableError. Default: true. */
  get running(): boolean {
    return this.#running;
  }

  /** Every advertised node, in advertisement order, as copies. */
  nodes(): DiscoveryNode[] {
    this.#ensureRunning("discoverPeers");
    return [...this.#entries.values()].map((e) => cloneNode(e.node));
  }

  /** Advertises `node` for `owner`, replacing the owner's previous node and any node of the same name (last writer wins, as in a key-value backend). */
  advertise(owner: object, node: DiscoveryNode): void {
    this.#ensureRunning("register");
    this.withdraw(owner);
    this.#entries.delete(node.name);
    this.#entries.set(node.name, { owner, node: cloneNode(node) });
  }

  /** Removes the node `owner` advertised, if it still owns one; a no-op while stopped because a stopped network holds nothing. */
  withdraw(owner: object): void {
    for (const [name, entry] of this.#entries) if (entry.owner === owner) this.#entries.delete(name);
  }

  /** Simulates a backend outage that loses state: forgets every node, and calls reject until start(). */
  stop(): void {
    this.#running = false;
    this.#entries.clear();
  }

  /** Ends an outage; registered providers advertise themselves again, as real clients do on reconnect. */
  start(): void {
    if (this.#running) return;
    this.#running = true;
    for (const listener of [...this.#startListeners]) listener();
  }

  /** stop() then start(), with a turn of the event loop between so callers observe the outage. */
  async restart(): Promise<void> {
    this.stop();
    await new Promise<void>((resolve) => setImmediate(resolve));
    this.start();
  }

  /** Calls `listener` each time the network starts after a stop; returns the unsubscribe function. */
  onStart(listener: () => void): () => void {
    this.#startListeners.add(listener);
    return () => this.#startListeners.delete(listener);
  }

  #ensureRunning(operation: string): void {
    if (!this.#running) throw new DiscoveryUnavailableError("memory", operation, new Error("the memory network is stopped"));
  }
}
