import { fromBinary, toBinary } from "@bufbuild/protobuf";
import { type Clock, InvalidOptionError } from "@tsakt/actor";
import { systemClock, type TimerHandle } from "@tsakt/actor/internal";
import { ClusterRequestTimeoutError, ClusterUnreachableError } from "./errors.js";
import { type ClusterMessage, ClusterMessageSchema } from "./gen/tsakt/cluster/v1/cluster_pb.js";
import { type ClusterMessageHandler, type ClusterReply, type ClusterTransport, hostPortOf, type MemberAddress } from "./transport.js";

/**
 * Connects cluster transports inside one process, for tests and single-process clusters. Messages go through
 * protobuf encoding as on a real wire, arrive asynchronously, and can be partitioned, dropped, delayed, or black-holed
 * for a "killed" node (whose cluster keeps running, unheard, like a process that was SIGKILLed).
 */
export class InMemoryClusterNetwork {
  readonly #endpoints = new Map<string, InMemoryClusterTransport>();
  readonly #killed = new Set<string>();
  readonly #delays = new Map<string, number>();
  readonly #dropRates = new Map<string, number>();
  #dropRate = 0;
  #groups: Map<string, number> | undefined = undefined;
  #delivered = 0;
  #dropped = 0;
  /** Where delays and request timeouts are measured; pass the nodes' TestClock to drive them together. */
  readonly clock: Clock;

  /** A network; `clock` (Default: the real clock) times message delays and request timeouts. */
  constructor(options: { clock?: Clock } = {}) {
    this.clock = options.clock ?? systemClock;
  }

  /** Messages (requests, replies, one-way) delivered so far. */
  get delivered(): number {
    return this.#delivered;
  }

  /** Messages lost so far to partitions, kills and drop rates. */
  get dropped(): number {
    return this.#dropped;
  }

  /** A transport for a node at `address`; throws InvalidOptionError when an open transport already uses its name or host:port. */
  transport(address: MemberAddress): ClusterTransport {
    validateAddress(address);
    const key = hostPortOf(address);
    if (this.#endpoints.has(key)) throw new InvalidOptionError("address", `${key} is already in use on this network`);
    for (const endpoint of this.#endpoints.values())
      if (endpoint.self.name === address.name)
        throw new InvalidOptionError("address.name", `"${address.name}" is already in use on this network`);
    const endpoint = new InMemoryClusterTransport(this, { name: address.name, host: address.host, port: address.port });
    this.#endpoints.set(key, endpoint);
    return endpoint;
  }

  /** Splits the network: nodes (by name) talk only within their group; nodes listed in no group form one more group. */
  partition(...groups: string[][]): void {
    const map = new Map<string, number>();
    groups.forEach((group, i) => {
      for (const name of group) map.set(name, i + 1);
    });
    this.#groups = map;
  }

  /** Ends any partition. */
  heal(): void {
    this.#groups = undefined;
  }

  /** Stops delivering anything to or from the named node, as if its process were killed. */
  kill(name: string): void {
    this.#killed.add(name);
  }

  /** Undoes kill(): the node is heard again (as after a long pause, with its old state). */
  revive(name: string): void {
    this.#killed.delete(name);
  }

  /** Adds `ms` of latency to every message to or from the named node (0 removes it). */
  delay(name: string, ms: number): void {
    if (!Number.isFinite(ms) || ms < 0) throw new InvalidOptionError("ms", `must be a finite number >= 0, got ${String(ms)}`);
    if (ms === 0) this.#delays.delete(name);
    else this.#delays.set(name, ms);
  }

  /** Drops each message with probability `rate` (0 to 1): all messages, or only those to or from the named node. */
  drop(rate: number, name?: string): void {
    if (!(rate >= 0 && rate <= 1)) throw new InvalidOptionError("rate", `must be between 0 and 1, got ${String(rate)}`);
    if (name === undefined) this.#dropRate = rate;
    else if (rate === 0) this.#dropRates.delete(name);
    else this.#dropRates.set(name, rate);
  }

  /** True when a message from `from` to `to` (names) would be delivered now, ignoring random drops. */
  canReach(from: string, to: string): boolean {
    if (this.#killed.has(from) || this.#killed.has(to)) return false;
    const groups = this.#groups;
    return groups === undefined || (groups.get(from) ?? 0) === (groups.get(to) ?? 0);
  }

  /** @internal */
  endpointAt(address: MemberAddress): InMemoryClusterTransport | undefined {
    return this.#endpoints.get(hostPortOf(address));
  }

  /** @internal */
  detach(endpoint: InMemoryClusterTransport): void {
    const key = hostPortOf(endpoint.self);
    if (this.#endpoints.get(key) === endpoint) this.#endpoints.delete(key);
  }

  /** @internal Carries `message` from `from` to `to` under the network's conditions; `arrive` runs on delivery. */
  carry(
    from: string,
    to: InMemoryClusterTransport,
    message: ClusterMessage,
    arrive: (m: ClusterMessage, to: InMemoryClusterTransport) => void,
  ): void {
    const bytes = toBinary(ClusterMessageSchema, message);
    if (!this.#passes(from, to.self.name)) return;
    const deliver = (): void => {
      // A kill or partition that happens while the message is in flight still loses it.
      if (!this.canReach(from, to.self.name) || to.closed) {
        this.#dropped++;
        return;
      }
      this.#delivered++;
      arrive(fromBinary(ClusterMessageSchema, bytes), to);
    };
    const latency = (this.#delays.get(from) ?? 0) + (this.#delays.get(to.self.name) ?? 0);
    if (latency === 0) queueMicrotask(deliver);
    else this.clock.setTimeout(deliver, latency);
  }

  #passes(from: string, to: string): boolean {
    if (!this.canReach(from, to)) {
      this.#dropped++;
      return false;
    }
    const rate = Math.max(this.#dropRate, this.#dropRates.get(from) ?? 0, this.#dropRates.get(to) ?? 0);
    if (rate > 0 && Math.random() < rate) {
      this.#dropped++;
      return false;
    }
    return true;
  }
}

/** One node's end of an InMemoryClusterNetwork. */
class InMemoryClusterTransport implements ClusterTransport {
  closed = false;
  #handler: ClusterMessageHandler | undefined = undefined;
  readonly #pending = new Set<(error: Error) => void>();

  constructor(
    private readonly network: InMemoryClusterNetwork,
    readonly self: MemberAddress,
  ) {}

  send(to: MemberAddress, message: ClusterMessage): void {
    if (this.closed) return;
    const target = this.network.endpointAt(to);
    if (target !== undefined) this.network.carry(this.self.name, target, message, receive);
  }

  request(to: MemberAddress, message: ClusterMessage, timeoutMs: number): Promise<ClusterMessage> {
    return new Promise<ClusterMessage>((resolve, reject) => {
      const target = this.closed ? undefined : this.network.endpointAt(to);
      if (target === undefined) {
        const reason = this.closed ? "this node's transport is closed" : `no node listens at ${hostPortOf(to)}`;
        queueMicrotask(() => reject(new ClusterUnreachableError(to.name, reason)));
        return;
      }
      let settled = false;
      const fail = (error: Error): void => {
        if (settled) return;
        settled = true;
        clock.clearTimeout(timer);
        this.#pending.delete(fail);
        reject(error);
      };
      const clock = this.network.clock;
      const timer: TimerHandle = clock.setTimeout(() => fail(new ClusterRequestTimeoutError(to.name, timeoutMs)), timeoutMs);
      this.#pending.add(fail);
      const reply: ClusterReply = (answer) => {
        this.network.carry(target.self.name, this, answer, (arrived) => {
          if (settled) return;
          settled = true;
          clock.clearTimeout(timer);
          this.#pending.delete(fail);
          resolve(arrived);
        });
      };
      this.network.carry(this.self.name, target, message, (m, at) => at.receive(m, reply));
    });
  }

  onMessage(handler: ClusterMessageHandler): void {
    this.#handler = handler;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.#handler = undefined;
    this.network.detach(this);
    for (const fail of [...this.#pending]) fail(new ClusterUnreachableError(this.self.name, "this node's transport is closed"));
  }

  /** Hands an arrived message to the handler; a throwing handler must not break the network. */
  receive(message: ClusterMessage, reply: ClusterReply | undefined): void {
    const handler = this.#handler;
    if (handler === undefined) return;
    try {
      handler(message, reply);
    } catch {
      // The cluster's handler logs its own failures; the network only guards its delivery loop.
    }
  }
}

function receive(message: ClusterMessage, at: InMemoryClusterTransport): void {
  at.receive(message, undefined);
}

function validateAddress(address: unknown): asserts address is MemberAddress {
  if (typeof address !== "object" || address === null) throw new InvalidOptionError("address", "must be { name, host, port }");
  const a = address as Record<string, unknown>;
  if (typeof a.name !== "string" || a.name.length === 0) throw new InvalidOptionError("address.name", "must be a non-empty string");
  if (typeof a.host !== "string" || a.host.length === 0) throw new InvalidOptionError("address.host", "must be a non-empty string");
  if (!Number.isInteger(a.port) || (a.port as number) < 1 || (a.port as number) > 65535)
    throw new InvalidOptionError("address.port", `must be an integer from 1 to 65535, got ${String(a.port)}`);
}
