import { InvalidOptionError } from "@tsakt/actor";
import { runControlPlaneConformance } from "@tsakt/multidc/testing";
import { EtcdControlPlane } from "@tsakt/multidc-etcd";
import { type EtcdHandle, skipWithoutBinary, startEtcd } from "@tsakt/test-servers";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

describe.skipIf(skipWithoutBinary("etcd"))("etcd control plane", () => {
  let server: EtcdHandle;
  let prefix = "dc/0";
  let prefixes = 0;
  beforeAll(async () => {
    server = await startEtcd();
  });
  afterAll(() => server?.stop());

  runControlPlaneConformance("etcd", {
    create: () => new EtcdControlPlane({ endpoints: server.endpoints, prefix, requestTimeoutMs: 1000 }),
    reset: async () => {
      prefix = `dc/${++prefixes}`;
    },
  });
});

describe("EtcdControlPlane options", () => {
  it.each([
    ["endpoints", { endpoints: [] }],
    ["prefix", { prefix: "a/" }],
    ["ttlMs", { ttlMs: 1000 }],
    ["requestTimeoutMs", { requestTimeoutMs: 0 }],
    ["client", { client: {} }],
  ])("names %s when it is wrong", (field, options) => {
    expect(() => new EtcdControlPlane(options as never)).toThrow(InvalidOptionError);
    expect(() => new EtcdControlPlane(options as never)).toThrow(expect.objectContaining({ field }));
  });
});
