import { InvalidConfigError } from "@tsakt/discovery";
import { NatsDiscoveryProvider } from "@tsakt/discovery-nats";
import { describe, expect, it } from "vitest";

describe("NatsDiscoveryProvider options", () => {
  it("accepts a cluster name that is no valid bucket name in request mode, where no bucket is used", async () => {
    const provider = new NatsDiscoveryProvider({ servers: "127.0.0.1:4222", clusterName: "blue:green" });
    await expect(provider.close()).resolves.toBeUndefined();
  });

  it("names servers when both servers and a connection are given", () => {
    const fakeConnection = { subscribe: () => undefined, requestMany: () => undefined } as never;
    const error = captureSync(() => new NatsDiscoveryProvider({ servers: "127.0.0.1:4222", connection: fakeConnection }));
    expect(error).toBeInstanceOf(InvalidConfigError);
    expect((error as InvalidConfigError).field).toBe("servers");
    expect((error as InvalidConfigError).message).toMatch(/together with connection/);
  });

  it("connects lazily, so an unreachable server does not fail construction", async () => {
    const provider = new NatsDiscoveryProvider({ servers: "127.0.0.1:1" });
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
