import { InvalidOptionError } from "@tsakt/actor";
import { runControlPlaneConformance, testRecord } from "@tsakt/multidc/testing";
import { NatsControlPlane } from "@tsakt/multidc-nats";
import { type NatsServerHandle, skipWithoutBinary, startNatsServer } from "@tsakt/test-servers";
import { eventually } from "@tsakt/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

describe.skipIf(skipWithoutBinary("nats-server"))("NATS JetStream KV control plane", () => {
  let server: NatsServerHandle;
  let bucket = "dc-0";
  let buckets = 0;
  beforeAll(async () => {
    server = await startNatsServer({ jetstream: true });
  });
  afterAll(() => server?.stop());

  runControlPlaneConformance("NATS KV", {
    create: () => new NatsControlPlane({ servers: server.url, bucket, requestTimeoutMs: 1000 }),
    reset: async () => {
      bucket = `dc-${++buckets}`;
    },
  });

  it("rejects within its request timeout while the server is down, and works again after it restarts", async () => {
    const plane = new NatsControlPlane({ servers: server.url, bucket: "outage", requestTimeoutMs: 500, reconnectWaitMs: 100 });
    try {
      await plane.put(testRecord("dc-a"));
      await server.halt();
      const started = performance.now();
      await expect(plane.list()).rejects.toThrow();
      expect(performance.now() - started).toBeLessThan(3000);
      await server.restart();
      await eventually("the record is read again", async () => expect(await plane.list()).toEqual([testRecord("dc-a")]), {
        timeoutMs: 10_000,
        intervalMs: 100,
      });
    } finally {
      await plane.close();
    }
  });
});

describe("NatsControlPlane options", () => {
  it.each([
    ["servers", { servers: 5 }],
    ["bucket", { bucket: "a.b" }],
    ["ttlMs", { ttlMs: 0 }],
    ["requestTimeoutMs", { requestTimeoutMs: -1 }],
    ["connection", { connection: {} }],
  ])("names %s when it is wrong", (field, options) => {
    expect(() => new NatsControlPlane(options as never)).toThrow(InvalidOptionError);
    expect(() => new NatsControlPlane(options as never)).toThrow(expect.objectContaining({ field }));
  });
});
