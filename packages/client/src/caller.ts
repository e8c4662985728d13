import { create, type DescMessage, isMessage, type Message, type Registry } from "@bufbuild/protobuf";
import { anyPack } from "@bufbuild/protobuf/wkt";
import { type ActorSystem, AskAbortedError, InvalidMessageError, InvalidOptionError, isTsaktError } from "@tsakt/actor";
import { remoteTypesOf } from "@tsakt/remote/internal";
import type { Balancer } from "./balancer.js";
import type { ClientRef } from "./client.js";
import { CallDeadlineExceededError, ClientCallError, ClientClosedError, NoNodeAvailableError } from "./errors.js";
import { ActorRequestSchema, GatewayFailureSchema, GrainRequestSchema } from "./gen/tsakt/client/v1/gateway_pb.js";
import type { ClientMembership } from "./membership.js";
import type { NodeState } from "./node-state.js";
import type { ClientSettings } from "./options.js";
import { isRetryable } from "./retryable.js";

/** Options of one call. */
export interface ClientCallOptions {
  /** Time the call may take in total, retries on other members included. Default: the client's callTimeoutMs (10000). */
  timeoutMs?: number;
  /** Cancels the call; it then rejects with AskAbortedError. */
  signal?: AbortSignal;
}

/** What a handle calls: a grain by identity or an actor by name. */
export type CallTarget =
  | { readonly case: "grain"; readonly kind: string; readonly id: string }
  | { readonly case: "actor"; readonly name: string };

/** What the Caller needs from the client. */
export interface CallerContext {
  readonly settings: ClientSettings;
  readonly system: ActorSystem;
  readonly membership: ClientMembership;
  isClosed(): boolean;
  waitForUp(ms: number): Promise<boolean>;
  unreachable(node: NodeState, reason: unknown): void;
}

/** Milliseconds the gateway's own wait is shorter than the client's, so its failure arrives before the client gives up. */
const gatewayMarginMs = 100;

/** Sends calls to members picked by the balancer, retrying failures worth retrying on other members until the deadline. */
export class Caller {
  private registry: Registry | undefined = undefined;

  constructor(private readonly ctx: CallerContext) {}

  /** A handle on `target`. */
  ref(target: CallTarget): ClientRef {
    validateTarget(target);
    const label = target.case === "grain" ? `grain ${target.kind}/${target.id}` : `actor ${target.name}`;
    return {
      target: label,
      ask: <R>(message: unknown, options?: { timeoutMs?: number; signal?: AbortSignal }) =>
        this.ask(target, label, message, options) as Promise<R>,
      tell: (message: unknown) => this.tell(target, message),
    };
  }

  private tell(target: CallTarget, message: unknown): boolean {
    if (this.ctx.isClosed()) return false;
    const up = this.ctx.membership.up();
    if (up.length === 0) return false;
    const state = pickFrom(up, this.ctx.settings.balancer);
    if (state.gateway === undefined) return false;
    const request = this.request(target, message, false, 0);
    state.sent++;
    state.lastSentAtMs = Date.now();
    return state.gateway.tell(request);
  }

  private async ask(
    target: CallTarget,
    label: string,
    message: unknown,
    options: { timeoutMs?: number; signal?: AbortSignal } = {},
  ): Promise<unknown> {
    const { settings, membership } = this.ctx;
    const timeoutMs = options.timeoutMs ?? settings.callTimeoutMs;
    if (!(typeof timeoutMs === "number" && Number.isFinite(timeoutMs) && timeoutMs > 0))
      throw new InvalidOptionError("timeoutMs", `must be a positive number of milliseconds, got ${String(timeoutMs)}`);
    const started = performance.now();
    const deadline = started + timeoutMs;
    let attempts = 0;
    let lastError: unknown;
    for (;;) {
      if (this.ctx.isClosed()) throw new ClientClosedError(`call ${label}`);
      if (options.signal?.aborted) throw new AskAbortedError(label, options.signal.reason);
      const remaining = deadline - performance.now();
      if (remaining <= 0) throw this.deadlineError(label, attempts, timeoutMs, lastError, started);
      if (!(await this.ctx.waitForUp(remaining))) {
        if (this.ctx.isClosed()) throw new ClientClosedError(`call ${label}`);
        throw this.deadlineError(label, attempts, timeoutMs, lastError, started);
      }
      const up = membership.up();
      if (up.length === 0) continue;
      const node = pickFrom(up, settings.balancer);
      const gateway = node.gateway as NonNullable<NodeState["gateway"]>;
      const attemptMs = Math.max(1, Math.min(deadline - performance.now(), settings.attemptTimeoutMs));
      const request = this.request(target, message, true, Math.max(1, Math.floor(attemptMs - gatewayMarginMs)));
      attempts++;
      node.inFlight++;
      node.sent++;
      node.lastSentAtMs = Date.now();
      let reply: unknown;
      try {
        reply = await gateway.ask(
          request,
          options.signal === undefined ? { timeoutMs: attemptMs } : { timeoutMs: attemptMs, signal: options.signal },
        );
      } catch (error) {
        node.failed++;
        if (isTsaktError(error, "AskAborted")) throw error;
        if (!isNodeProblem(error)) throw error;
        lastError = error;
        this.ctx.unreachable(node, error);
        continue;
      } finally {
        node.inFlight--;
      }
      if (!isMessage(reply, GatewayFailureSchema)) return reply;
      node.failed++;
      const failure = new ClientCallError(reply.code, reply.message, node.name);
      if (!reply.retryable && !isRetryable(reply.code)) throw failure;
      lastError = failure;
      // The cluster is still settling (a member died, a grain is moving): back off a little before the next try.
      const pause = Math.min(1000, 25 * 2 ** Math.min(attempts, 6), Math.max(0, deadline - performance.now()));
      await new Promise((r) => setTimeout(r, pause));
    }
  }

  private deadlineError(label: string, attempts: number, timeoutMs: number, lastError: unknown, started: number): Error {
    if (attempts === 0) return new NoNodeAvailableError(`call ${label}`, Math.round(performance.now() - started));
    return new CallDeadlineExceededError(label, attempts, timeoutMs, lastError);
  }

  private request(target: CallTarget, message: unknown, ask: boolean, timeoutMs: number): Message {
    const packed = anyPack(this.schemaOf(message), message as Message);
    return target.case === "grain"
      ? create(GrainRequestSchema, { kind: target.kind, id: target.id, message: packed, ask, timeoutMs })
      : create(ActorRequestSchema, { name: target.name, message: packed, ask, timeoutMs });
  }

  private schemaOf(message: unknown): DescMessage {
    this.registry ??= remoteTypesOf(this.ctx.system, "the cluster client");
    const typeName = (message as { $typeName?: unknown } | null)?.$typeName;
    const schema = typeof typeName === "string" ? this.registry.getMessage(typeName) : undefined;
    if (schema === undefined)
      throw new InvalidMessageError(
        `the cluster client sends protobuf messages whose schema is in its types option (got ${typeof typeName === "string" ? `unregistered ${typeName}` : typeof message}); add the message's file to connect({ types })`,
      );
    return schema;
  }
}

/** The member the balancer picks among `up` (never empty); a pick outside the list (a balancer's bug) falls back to the first. */
function pickFrom(up: readonly NodeState[], balancer: Balancer): NodeState {
  const picked = balancer.pick(up.map((n) => n.info()));
  return up.find((n) => n.name === picked?.name) ?? (up[0] as NodeState);
}

/** Errors of the client→gateway hop that mean the member is unreachable or overloaded, not that the call is wrong. */
function isNodeProblem(error: unknown): boolean {
  return (
    isTsaktError(error, "RemoteUnreachable") ||
    isTsaktError(error, "AskTimeout") ||
    isTsaktError(error, "OutboundQueueFull") ||
    isTsaktError(error, "HandshakeFailed") ||
    isTsaktError(error, "DeadActor") ||
    // The member has no gateway (or it is stopping).
    isTsaktError(error, "ActorNotFound")
  );
}

function validateTarget(target: CallTarget): void {
  if (target.case === "grain") {
    if (typeof target.kind !== "string" || target.kind.length === 0) throw new InvalidOptionError("kind", "must be a non-empty grain kind");
    if (typeof target.id !== "string" || target.id.length === 0) throw new InvalidOptionError("id", "must be a non-empty grain id");
  } else if (typeof target.name !== "string" || target.name.length === 0)
    throw new InvalidOptionError("name", "must be a non-empty actor name or address");
}
