import { InvalidOptionError } from "@tsakt/actor";
import { InMemoryControlPlane, type MultiDatacenterOptions, multiDatacenter, multiDatacenterDefaults } from "@tsakt/multidc";
import { describe, expect, it } from "vitest";

describe("multiDatacenter options", () => {
  const controlPlane = new InMemoryControlPlane();
  const valid: MultiDatacenterOptions = { datacenter: { name: "dc-a" }, controlPlane };

  it("applies the defaults and depends on remoting and the cluster", () => {
    const plugin = multiDatacenter(valid);
    expect(plugin.datacenter).toBe("dc-a");
    expect(plugin.dependsOn).toEqual(["remoting", "cluster"]);
    expect(multiDatacenterDefaults).toEqual({
      heartbeatMs: 2000,
      leaseMs: 10_000,
      requestTimeoutMs: 5000,
      drainMs: 30_000,
      routing: "gateway",
      relayTimeoutMs: 30_000,
    });
  });

  it.each([
    ["datacenter", { ...valid, datacenter: undefined }],
    ["datacenter.name", { ...valid, datacenter: { name: "a b" } }],
    ["datacenter.name", { ...valid, datacenter: { name: "x".repeat(65) } }],
    ["datacenter.labels", { ...valid, datacenter: { name: "a", labels: { zone: 1 } } }],
    ["controlPlane", { ...valid, controlPlane: { put() {} } }],
    ["heartbeatMs", { ...valid, heartbeatMs: 0 }],
    ["leaseMs", { ...valid, heartbeatMs: 1000, leaseMs: 1999 }],
    ["requestTimeoutMs", { ...valid, requestTimeoutMs: Number.NaN }],
    ["gatewayRole", { ...valid, gatewayRole: "" }],
    ["drainMs", { ...valid, drainMs: -1 }],
    ["routing", { ...valid, routing: "through" }],
    ["relayTimeoutMs", { ...valid, relayTimeoutMs: 0 }],
  ])("names %s when it is wrong", (field, options) => {
    const error = (() => {
      try {
        multiDatacenter(options as unknown as MultiDatacenterOptions);
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(InvalidOptionError);
    expect(error).toMatchObject({ code: "InvalidOption", field });
  });
});
