import { InvalidConfigError } from "@tsakt/discovery";
import { EtcdDiscoveryProvider } from "@tsakt/discovery-etcd";
import { Etcd3 } from "etcd3";
import { describe, expect, it } from "vitest";

describe("EtcdDiscoveryProvider options", () => {
  it("names endpoints when both endpoints and a client are given", () => {
    const client = new Etcd3({ hosts: "http://127.0.0.1:1" });
    try {
      const error = captureSync(() => new EtcdDiscoveryProvider({ endpoints: "http://127.0.0.1:1", client }));
      expect(error).toBeInstanceOf(InvalidConfigError);
      expect((error as InvalidConfigError).field).toBe("endpoints");
      expect((error as InvalidConfigError).message).toMatch(/together with client/);
    } finally {
      client.close();
    }
  });

  it("connects lazily, so an unreachable endpoint does not fail construction", async () => {
    const provider = new EtcdDiscoveryProvider({ endpoints: ["http://127.0.0.1:1", "http://127.0.0.1:2"] });
    await expect(provider.close()).resolves.toBeUndefined();
  });
});

function captureSync(run: () => unknown): unknown {
  try {
    run();
  } catch (error) {
    return error;
  }
  throw new Error("expected a throw");
}
