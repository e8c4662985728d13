import { type DiscoveryNode, type DiscoveryProvider, DiscoveryUnavailableError, ProviderClosedError, validateNode } from "@tsakt/discovery";
import Consul from "consul";
import { type CallOptions, type ConsulCalls, type HealthEntry, isUnknownCheck, statusOf } from "./consul-calls.js";
import { type ConsulDiscoveryOptions, type ResolvedConsulOptions, resolveConsulOptions } from "./consul-options.js";
import { PassingServiceWatch } from "./passing-service-watch.js";
import { checkIdFor, nodesFrom, registrationFor, validateConsulMeta } from "./service-mapping.js";

/** After a failed heartbeat the next try comes sooner than a full interval, so a restarted agent learns of us quickly. */
const retryAfterFailureMs = 1000;

/**
 * Discovery through a Consul agent: each node is an agent service (id = node name) with a TTL
 * check the provider keeps passing; peers are the service's passing instances.
 */
export class ConsulDiscoveryProvider implements DiscoveryProvider {
  /** Always "consul". */
  readonly id = "consul";
  readonly #o: ResolvedConsulOptions;
  readonly #watch: PassingServiceWatch | undefined;
  #self: DiscoveryNode | undefined;
  /** Bumped whenever the registration changes, so a heartbeat started for an older one does nothing. */
  #generation = 0;
  #beatTimer: NodeJS.Timeout | undefined;
  #beat: Promise<void> | undefined;
  /** register/deregister run one at a time so their agent calls cannot interleave. */
  #queue: Promise<unknown> = Promise.resolve();
  #closing: Promise<void> | undefined;

  /** Validates `options` and builds the client; throws InvalidConfigError naming the bad field. */
  constructor(options: ConsulDiscoveryOptions = {}) {
    this.#o = resolveConsulOptions(options, ({ host, port, secure }) => new Consul({ host, port, secure }) as ConsulCalls);
    this.#watch = this.#o.watch
      ? new PassingServiceWatch({ client: this.#o.client, service: this.#o.serviceName, token: this.#o.token, waitMs: this.#o.waitMs })
      : undefined;
  }

  /** Registers `self` as an agent service with a passing TTL check (passed at once) and starts keeping the check passing. */
  async register(self: DiscoveryNode): Promise<void> {
    this.#ensureOpen("register");
    const node = validateNode(self);
    validateConsulMeta(node.meta);
    return this.#serial(async () => {
      this.#ensureOpen("register");
      this.#watch?.start();
      const previous = this.#self;
      // Until the agent confirms, no registration is current; a failure leaves the provider unregistered.
      this.#self = undefined;
      await this.#stopHeartbeat();
      if (previous && previous.name !== node.name) await this.#deregisterRemote(previous.name, "register");
      try {
        await this.#o.client.agent.service.register({
          ...registrationFor(node, this.#o.serviceName, this.#o.ttlMs, this.#o.deregisterAfterMs),
          ...this.#call(),
        });
        // A check that already existed (this node ran before and went critical) keeps its old status across
        // re-registration until its next TTL update, whatever the registration says: pass it at once.
        await this.#o.client.agent.check.pass({ id: checkIdFor(node.name), ...this.#call() });
      } catch (error) {
        throw new DiscoveryUnavailableError(this.id, "register", error);
      }
      this.#self = node;
      if (this.#closing === undefined) this.#scheduleBeat(this.#beatIntervalMs());
    });
  }

  /** Returns the passing instances of the service except the registered node, sorted by name. */
  async discoverPeers(): Promise<DiscoveryNode[]> {
    this.#ensureOpen("discoverPeers");
    this.#watch?.start();
    let entries = this.#watch?.snapshot();
    if (entries === undefined) {
      try {
        entries = (await this.#o.client.health.service({ service: this.#o.serviceName, passing: true, ...this.#call() })) as HealthEntry[];
      } catch (error) {
        throw new DiscoveryUnavailableError(this.id, "discoverPeers", error);
      }
    }
    const selfName = this.#self?.name;
    return nodesFrom(entries).filter((n) => n.name !== selfName);
  }

  /** Removes the node's service from the agent and stops its heartbeat; a no-op when nothing is registered. */
  async deregister(): Promise<void> {
    this.#ensureOpen("deregister");
    return this.#serial(async () => {
      const self = this.#self;
      if (self === undefined) return;
      this.#self = undefined;
      await this.#stopHeartbeat();
      await this.#deregisterRemote(self.name, "deregister");
    });
  }

  /** Closes the provider, as close(): `await using provider = new …`. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  /**
   * Stops the heartbeat and the watch and destroys a client the provider built; idempotent.
   * It does not deregister: a node that closes without deregister() turns critical after its TTL, like a crashed one.
   */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      this.#generation++;
      clearTimeout(this.#beatTimer);
      await Promise.allSettled([this.#queue, this.#beat, this.#watch?.stop()]);
      if (this.#o.ownsClient) this.#o.client.destroy();
    })();
    return this.#closing;
  }

  #call(): CallOptions {
    return this.#o.token === undefined
      ? { timeout: this.#o.requestTimeoutMs }
      : { timeout: this.#o.requestTimeoutMs, token: this.#o.token };
  }

  #beatIntervalMs(): number {
    return Math.max(100, Math.floor(this.#o.ttlMs / 3));
  }

  async #deregisterRemote(serviceId: string, operation: string): Promise<void> {
    try {
      await this.#o.client.agent.service.deregister({ id: serviceId, ...this.#call() });
    } catch (error) {
      // 404: the agent no longer has it (it restarted or reaped it); that is the state we wanted.
      if (statusOf(error) !== 404) throw new DiscoveryUnavailableError(this.id, operation, error);
    }
  }

  #scheduleBeat(delayMs: number): void {
    const generation = this.#generation;
    this.#beatTimer = setTimeout(() => {
      this.#beat = this.#heartbeat(generation);
    }, delayMs);
    // Discovery alone should not keep a process alive.
    this.#beatTimer.unref();
  }

  async #heartbeat(generation: number): Promise<void> {
    const self = this.#self;
    if (self === undefined || generation !== this.#generation) return;
    let next = this.#beatIntervalMs();
    try {
      await this.#o.client.agent.check.pass({ id: checkIdFor(self.name), ...this.#call() });
    } catch (error) {
      next = Math.min(next, retryAfterFailureMs);
      if (generation === this.#generation && isUnknownCheck(error)) {
        // The agent lost our service (restart, reaping): register it again.
        try {
          await this.#o.client.agent.service.register({
            ...registrationFor(self, this.#o.serviceName, this.#o.ttlMs, this.#o.deregisterAfterMs),
            ...this.#call(),
          });
          next = this.#beatIntervalMs();
        } catch {
          // Retried on the next beat.
        }
      }
    }
    if (generation === this.#generation) this.#scheduleBeat(next);
  }

  async #stopHeartbeat(): Promise<void> {
    this.#generation++;
    clearTimeout(this.#beatTimer);
    this.#beatTimer = undefined;
    await this.#beat;
  }

  #serial<T>(operation: () => Promise<T>): Promise<T> {
    const run = this.#queue.then(operation, operation);
    this.#queue = run.catch(() => undefined);
    return run;
  }

  #ensureOpen(operation: string): void {
    if (this.#closing !== undefined) throw new ProviderClosedError(this.id, operation);
  }
}
