import { create } from "@bufbuild/protobuf";
import { afterEach, describe, expect, it } from "vitest";
import { type ClusterMessage, ClusterMessageSchema, MemberSchema, MemberStatus } from "./gen/tsakt/cluster/v1/cluster_pb.js";
import type { ClusterTransport, MemberAddress } from "./transport.js";

export { InMemoryClusterNetwork } from "./in-memory-network.js";

/** How `runClusterTransportConformance` builds transports. */
export interface ClusterTransportHarness {
  /** A fresh, open transport for a node named `name` (at an address of its own). */
  create(name: string): ClusterTransport | Promise<ClusterTransport>;
  /** An address where nothing listens; requests to it must reject. Default: 127.0.0.1:1 named "nobody". */
  unreachable?: MemberAddress;
  /** How long the suite waits for a message to arrive. Default: 2000. */
  settleMs?: number;
}

/** Registers vitest tests that check a ClusterTransport (remoting's, or your own) against the seam's contract. */
export function runClusterTransportConformance(name: string, harness: ClusterTransportHarness): void {
  const settleMs = harness.settleMs ?? 2000;
  const timeout = settleMs * 4 + 5000;
  const unreachable = harness.unreachable ?? { name: "nobody", host: "127.0.0.1", port: 1 };

  describe(`${name} cluster transport conformance`, () => {
    const opened: ClusterTransport[] = [];

    afterEach(async () => {
      await Promise.all(opened.splice(0).map((t) => t.close()));
    });

    async function open(node: string): Promise<ClusterTransport> {
      const transport = await harness.create(node);
      opened.push(transport);
      return transport;
    }

    it("delivers a one-way message intact: sender, piggybacked updates and body", { timeout }, async () => {
      const [a, b] = [await open("a"), await open("b")];
      const got = inbox(b);
      const sent = create(ClusterMessageSchema, {
        from: create(MemberSchema, { name: "a", host: a.self.host, port: a.self.port, uid: "u-1", startedAtMs: 1234.5, roles: ["x"] }),
        updates: [{ member: { name: "c", uid: "u-3" }, status: MemberStatus.SUSPECT, incarnation: 7 }],
        body: { case: "lookup", value: { key: "actor/k", anyHolder: true } },
      });
      a.send(b.self, sent);
      const [arrived] = await got.next(1, settleMs);
      expect(arrived?.from).toMatchObject({ name: "a", uid: "u-1", startedAtMs: 1234.5, roles: ["x"] });
      expect(arrived?.updates[0]).toMatchObject({ member: { name: "c", uid: "u-3" }, status: MemberStatus.SUSPECT, incarnation: 7 });
      expect(arrived?.body).toMatchObject({ case: "lookup", value: { key: "actor/k", anyHolder: true } });
    });

    it("resolves a request with the receiver's reply, and keeps concurrent requests apart", { timeout }, async () => {
      const [a, b] = [await open("a"), await open("b")];
      const held: Array<() => void> = [];
      b.onMessage((m, reply) => {
        const answer = lookup("b", `re:${keyOf(m)}`);
        held.push(() => reply?.(answer));
        // Answer in reverse order once all three arrived, so replies cannot be matched by arrival order.
        if (held.length === 3) for (const r of held.splice(0).reverse()) r();
      });
      const replies = await Promise.all(["1", "2", "3"].map((k) => a.request(b.self, lookup("a", k), settleMs)));
      expect(replies.map(keyOf)).toEqual(["re:1", "re:2", "re:3"]);
    });

    it("rejects a request that gets no reply within its timeout", { timeout }, async () => {
      const [a, b] = [await open("a"), await open("b")];
      b.onMessage(() => undefined);
      const started = Date.now();
      await expect(a.request(b.self, lookup("a", "silent"), 100)).rejects.toBeInstanceOf(Error);
      expect(Date.now() - started).toBeLessThan(100 + settleMs);
    });

    it("rejects a request to an address where nothing listens", { timeout }, async () => {
      const a = await open("a");
      await expect(a.request(unreachable, lookup("a", "x"), settleMs)).rejects.toBeInstanceOf(Error);
    });

    it("delivers nothing more once closed, and rejects requests pending at close", { timeout }, async () => {
      const [a, b] = [await open("a"), await open("b")];
      b.onMessage(() => undefined);
      const pending = a.request(b.self, lookup("a", "pending"), 60_000);
      const outcome = pending.then(
        () => "resolved",
        () => "rejected",
      );
      await a.close();
      expect(await outcome).toBe("rejected");
      const got = inbox(b);
      a.send(b.self, lookup("a", "after close"));
      // The request sent before close may still arrive; nothing sent after close may.
      const arrived = await got.next(2, 300).catch(() => got.drain());
      expect(arrived.map(keyOf)).not.toContain("after close");
    });
  });
}

function lookup(from: string, key: string): ClusterMessage {
  return create(ClusterMessageSchema, { from: create(MemberSchema, { name: from }), body: { case: "lookup", value: { key } } });
}

function keyOf(m: ClusterMessage): string | undefined {
  return m.body.case === "lookup" ? m.body.value.key : undefined;
}

/** Collects what `transport` receives; next(n, ms) waits for n more messages or rejects after ms; drain() takes what came. */
function inbox(transport: ClusterTransport): { next(n: number, ms: number): Promise<ClusterMessage[]>; drain(): ClusterMessage[] } {
  const queue: ClusterMessage[] = [];
  let wake: (() => void) | undefined;
  transport.onMessage((m) => {
    queue.push(m);
    wake?.();
  });
  return {
    async next(n, ms) {
      const deadline = Date.now() + ms;
      while (queue.length < n) {
        const left = deadline - Date.now();
        if (left <= 0) throw new Error(`expected ${n} message(s) within ${ms} ms, got ${queue.length}`);
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, left);
          wake = () => {
            clearTimeout(timer);
            resolve();
          };
        });
      }
      return queue.splice(0, n);
    },
    drain() {
      return queue.splice(0);
    },
  };
}
