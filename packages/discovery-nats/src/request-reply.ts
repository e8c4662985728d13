import { Empty, type NatsConnection, NoRespondersError, type Subscription } from "@nats-io/transport-node";
import type { DiscoveryNode } from "@tsakt/discovery";
import type { Advertiser } from "./advertiser.js";
import { withDeadline } from "./deadline.js";
import { decodeNode, encodeNode } from "./node-json.js";

/**
 * Request mode: the node answers every request on the subject with its JSON, and listing publishes one request
 * and keeps the answers arriving within the window. A dead process loses its subscription with its connection.
 */
export class RequestReplyAdvertiser implements Advertiser {
  #answer: Uint8Array = new Uint8Array();
  #responder: Subscription | undefined;

  constructor(
    private readonly nc: NatsConnection,
    private readonly subject: string,
    private readonly windowMs: number,
    private readonly roundTripMs: number,
  ) {}

  async advertise(node: DiscoveryNode): Promise<void> {
    this.#answer = encodeNode(node);
    this.#responder ??= this.#answerRequests();
    try {
      // Once the server has answered a PING sent after SUB, it routes requests to us: advertised means visible.
      await withDeadline(this.nc.flush(), this.roundTripMs, "flush");
    } catch (error) {
      this.abandon();
      throw error;
    }
  }

  async withdraw(): Promise<void> {
    if (this.#responder === undefined) return;
    this.abandon();
    // Best effort: a server we cannot reach has dropped the subscription already.
    if (!this.nc.isClosed()) await withDeadline(this.nc.flush(), this.windowMs, "flush").catch(() => undefined);
  }

  async list(): Promise<Map<string, DiscoveryNode>> {
    // A disconnected client would buffer the request and report an empty cluster; the round trip tells them apart.
    await withDeadline(this.nc.flush(), this.roundTripMs, "flush");
    const found = new Map<string, DiscoveryNode>();
    try {
      const replies = await this.nc.requestMany(this.subject, Empty, { strategy: "timer", maxWait: this.windowMs });
      for await (const reply of replies) {
        const node = decodeNode(reply.data);
        if (node !== undefined) found.set(node.name, node);
      }
    } catch (error) {
      if (!isNoResponders(error)) throw error;
    }
    return found;
  }

  abandon(): void {
    const responder = this.#responder;
    this.#responder = undefined;
    try {
      responder?.unsubscribe();
    } catch {
      // Unsubscribing on a closed connection throws; the server forgot the subscription with the connection.
    }
  }

  #answerRequests(): Subscription {
    return this.nc.subscribe(this.subject, {
      callback: (error, msg) => {
        if (error !== null || !msg.reply) return;
        try {
          msg.respond(this.#answer);
        } catch {
          // The connection closed under us; the requester simply misses this answer.
        }
      },
    });
  }
}

// A user's connection may come from another copy of nats.js, where instanceof fails; the name still matches.
function isNoResponders(error: unknown): boolean {
  return error instanceof NoRespondersError || (error instanceof Error && error.name === "NoResponders");
}
