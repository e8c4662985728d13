import { create, isMessage } from "@bufbuild/protobuf";
import { type ActorSystem, isTsaktError, type PID } from "@tsakt/actor";
import { isWatchable } from "@tsakt/actor/internal";
import type { Remote } from "@tsakt/remote";
import type { ClientNodeEvent } from "./client.js";
import { messageOf } from "./errors.js";
import {
  GatewayHelloSchema,
  GatewayLoadQuerySchema,
  GatewayLoadSchema,
  type GatewayMembers,
  GatewayMembersSchema,
} from "./gen/tsakt/client/v1/gateway_pb.js";
import type { ClientMembership } from "./membership.js";
import type { NodeState } from "./node-state.js";
import type { ClientSettings } from "./options.js";

/** What Contacts needs from the client. */
export interface ContactsContext {
  readonly settings: ClientSettings;
  readonly system: ActorSystem;
  readonly remote: Remote;
  readonly membership: ClientMembership;
  isClosed(): boolean;
  changed(node: NodeState, type: ClientNodeEvent["type"]): void;
}

/**
 * The client's contact with each member's gateway: the GatewayHello that makes a member "up" and subscribes the
 * client to membership pushes, the death watch that notices a lost connection at once, and contact retries with
 * exponential backoff while a member is unreachable (never once it is down).
 */
export class Contacts {
  /** The client's actor, which receives pushes and Terminated notices. */
  inbox: PID | undefined = undefined;

  constructor(private readonly ctx: ContactsContext) {}

  /** Adds the member `name` ("host:port") from seeds or discovery, and contacts it when it is new. */
  add(name: string): void {
    const { node, added } = this.ctx.membership.ensure(name);
    if (added) this.contact(node);
  }

  /** Merges a gateway's view: members reported gone become down, new members are contacted. */
  applyView(view: GatewayMembers): void {
    const changes = this.ctx.membership.apply(view, Date.now());
    for (const node of changes.down) {
      this.ctx.system.logger.info({ node: node.name }, "cluster client: member is down; no more calls go there");
      this.ctx.changed(node, "down");
    }
    for (const node of changes.contact) this.contact(node);
  }

  /** A watched gateway's connection closed (or the gateway stopped). */
  gatewayTerminated(address: string): void {
    for (const node of this.ctx.membership.nodes.values())
      if (node.gatewayAddress === address && node.status === "up") this.failed(node, "its connection closed");
  }

  /** A call found the member unreachable: no calls until a new contact succeeds. */
  unreachable(node: NodeState, reason: unknown): void {
    if (node.status === "up") this.failed(node, reason);
  }

  /** After every member became unavailable: contact the unreachable ones again soon instead of after a long backoff. */
  retrySeedsSoon(): void {
    for (const node of this.ctx.membership.nodes.values()) {
      if (node.status !== "unreachable" || node.contacting) continue;
      node.retryDelayMs = 0;
      this.scheduleContact(node, this.ctx.settings.retryDelayMs);
    }
  }

  /** Asks every member that is up for its load (least-load balancing). */
  refreshLoads(): void {
    const timeoutMs = this.ctx.settings.loadRefreshMs;
    for (const node of this.ctx.membership.up()) {
      const gateway = node.gateway;
      if (gateway === undefined) continue;
      gateway.ask(create(GatewayLoadQuerySchema), { timeoutMs }).then(
        (reply) => {
          if (isMessage(reply, GatewayLoadSchema) && node.status === "up") node.load = reply.inFlight + reply.mailboxDepth;
        },
        () => undefined,
      );
    }
  }

  /** Sends GatewayHello to the member; its answer makes it "up". */
  contact(node: NodeState): void {
    const { settings, remote, isClosed } = this.ctx;
    const inbox = this.inbox;
    if (node.contacting || node.status === "down" || isClosed() || inbox === undefined) return;
    node.contacting = true;
    node.cancelRetry();
    const gateway = remote.pidOf(node.gatewayAddress);
    node.gateway = gateway;
    const hello = create(GatewayHelloSchema, { client: this.ctx.system.addressPrefix, subscriber: inbox.address });
    gateway.ask(hello, { timeoutMs: settings.attemptTimeoutMs }).then(
      (reply) => {
        node.contacting = false;
        if (isClosed()) return;
        if (!isMessage(reply, GatewayMembersSchema))
          this.failed(node, `its gateway answered ${String((reply as { $typeName?: string })?.$typeName)}`);
        else this.welcomed(node, gateway, reply);
      },
      (error: unknown) => {
        node.contacting = false;
        if (!isClosed()) this.failed(node, error);
      },
    );
  }

  private welcomed(node: NodeState, gateway: PID, view: GatewayMembers): void {
    const { membership } = this.ctx;
    if (view.from !== node.name) {
      // The seed was another name for a member (for example localhost for 127.0.0.1): keep the member's own name.
      membership.nodes.delete(node.name);
      this.ctx.system.logger.debug({ seed: node.name, member: view.from }, "cluster client: seed answered under another name");
    }
    this.applyView(view);
    if (view.from !== node.name || node.status === "down") return;
    const self = view.members.find((m) => m.name === node.name);
    if (self === undefined || membership.isGone(self.uid)) {
      membership.markDown(node, Date.now());
      this.ctx.changed(node, "down");
      return;
    }
    node.uid = self.uid;
    node.roles = Object.freeze([...self.roles]);
    node.retryDelayMs = 0;
    const inbox = this.inbox;
    // Death watch of the gateway: a lost connection reaches the inbox as Terminated at once.
    if (inbox !== undefined && isWatchable(gateway)) gateway.addWatcher(inbox);
    if (node.status !== "up") {
      node.status = "up";
      this.ctx.changed(node, "up");
    }
  }

  private failed(node: NodeState, reason: unknown): void {
    if (node.status === "down") return;
    const { settings } = this.ctx;
    const wasUnreachable = node.status === "unreachable";
    node.status = "unreachable";
    node.load = undefined;
    // A node without a gateway will not grow one soon: wait the longest delay.
    const delay = isTsaktError(reason, "ActorNotFound")
      ? settings.maxRetryDelayMs
      : Math.min(settings.maxRetryDelayMs, node.retryDelayMs === 0 ? settings.retryDelayMs : node.retryDelayMs * 2);
    node.retryDelayMs = delay;
    this.scheduleContact(node, delay);
    if (!wasUnreachable) {
      this.ctx.system.logger.info({ node: node.name, reason: messageOf(reason) }, "cluster client: member unreachable; retrying contact");
      this.ctx.changed(node, "unreachable");
    }
  }

  private scheduleContact(node: NodeState, delayMs: number): void {
    node.cancelRetry();
    // Jitter keeps many clients from contacting a restarted member in lockstep.
    const jittered = Math.round(delayMs * (0.75 + Math.random() / 4));
    node.retryTimer = setTimeout(() => {
      node.retryTimer = undefined;
      this.contact(node);
    }, jittered).unref();
  }
}
