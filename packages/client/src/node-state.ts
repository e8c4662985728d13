import type { PID } from "@tsakt/actor";
import type { ClientNode, ClientNodeStatus } from "./balancer.js";

/** Path of the gateway actor on every member that runs clientGateway(). */
export const gatewayPath = "/system/client-gateway";

/** One member as the client tracks it; mutable, owned by the client. */
export class NodeState {
  uid = "";
  status: ClientNodeStatus = "connecting";
  roles: readonly string[] = [];
  inFlight = 0;
  sent = 0;
  failed = 0;
  lastSentAtMs: number | undefined = undefined;
  downAtMs: number | undefined = undefined;
  load: number | undefined = undefined;
  /** The gateway's PID of the current connection epoch (a fresh one per contact attempt). */
  gateway: PID | undefined = undefined;
  /** A GatewayHello is on its way. */
  contacting = false;
  /** Delay before the next contact attempt while unreachable. */
  retryDelayMs = 0;
  retryTimer: NodeJS.Timeout | undefined = undefined;

  constructor(
    /** "host:port". */
    readonly name: string,
    /** "tsakt://system@host:port". */
    readonly address: string,
  ) {}

  /** Address of this member's gateway actor. */
  get gatewayAddress(): string {
    return this.address + gatewayPath;
  }

  /** A plain copy for users and balancers. */
  info(): ClientNode {
    return Object.freeze({
      name: this.name,
      address: this.address,
      uid: this.uid,
      status: this.status,
      roles: this.roles,
      inFlight: this.inFlight,
      sent: this.sent,
      failed: this.failed,
      lastSentAtMs: this.lastSentAtMs,
      downAtMs: this.downAtMs,
      load: this.load,
    });
  }

  /** Stops a scheduled contact attempt. */
  cancelRetry(): void {
    clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
  }
}
