import { silentLogger } from "@tsakt/actor";
import { afterEach, describe, expect, it, vi } from "vitest";
import { resolveOptions } from "../src/node/options.js";
import { Peer, type PeerConnection, type PeerHost } from "../src/transport/peer.js";

afterEach(() => {
  vi.useRealTimers();
});

/** A node whose every dial fails: it counts dials, and the test closes each one as refused. */
function refusingHost(reconnect: { initialDelayMs?: number; maxDelayMs?: number } = {}) {
  const dials: PeerConnection[] = [];
  const host: PeerHost = {
    options: resolveOptions({ reconnect }),
    logger: silentLogger,
    stopping: false,
    address: "tsakt://local@127.0.0.1:1",
    dial: () => {
      const c = { dialed: true } as unknown as PeerConnection;
      dials.push(c);
      return c;
    },
    unreachable: () => {},
    lost: () => {},
  };
  return { host, dials };
}

/** A peer with one frame queued, so a failed dial is retried. */
function peerWithMail(host: PeerHost): Peer {
  const peer = new Peer(host, "127.0.0.1:9", "127.0.0.1", 9, "remote");
  peer.writer.beginFrame();
  peer.writer.raw(Buffer.from([1, 2, 3]));
  peer.writer.endFrame(1024);
  return peer;
}

describe("reconnect backoff", () => {
  for (const reconnect of [{}, { initialDelayMs: 30, maxDelayMs: 700 }])
    it(`redials within maxDelayMs after every failed dial, however many failed before (${JSON.stringify(reconnect)})`, () => {
      // Only the redial timer is faked; the give-up clock (performance.now) stays real and far from its 30 s.
      vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] });
      const { host, dials } = refusingHost(reconnect);
      const { initialDelayMs, maxDelayMs } = host.options.reconnect;
      const peer = peerWithMail(host);
      peer.connect();
      expect(dials.length).toBe(1);
      const waited: number[] = [];
      for (let attempt = 1; attempt <= 16; attempt++) {
        peer.onClosed(dials.at(-1) as PeerConnection, new Error("connection refused"));
        expect(dials.length).toBe(attempt);
        // Step in 1 ms ticks up to the cap: the redial must come by then.
        let ms = 0;
        while (dials.length === attempt && ms < maxDelayMs) {
          vi.advanceTimersByTime(1);
          ms++;
        }
        expect(dials.length, `redial ${attempt} within ${maxDelayMs} ms`).toBe(attempt + 1);
        waited.push(ms);
      }
      // Jittered between half and all of the doubled delay: it starts near initialDelayMs and reaches the cap's half.
      expect(waited[0]).toBeGreaterThanOrEqual(initialDelayMs / 2);
      expect(waited[0]).toBeLessThanOrEqual(initialDelayMs);
      expect(Math.min(...waited.slice(-4))).toBeGreaterThanOrEqual(maxDelayMs / 2);
      peer.close();
    });
});
