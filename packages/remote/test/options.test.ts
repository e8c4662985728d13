import { ActorSystem, InvalidOptionError, isTsaktError, silentLogger } from "@tsakt/actor";
import { ListenError, remoteOf, remoting } from "@tsakt/remote";
import { describe, expect, it } from "vitest";
import { startNode } from "./support/nodes.js";

describe("options", () => {
  const invalid: Array<[string, unknown]> = [
    ["port", { port: 70000 }],
    ["port", { port: "80" }],
    ["host", { host: "" }],
    ["advertiseHost", { host: "0.0.0.0" }],
    ["tls.cert", { tls: { key: "k" } }],
    ["tls.key", { tls: { cert: "c" } }],
    ["tls.mutual", { tls: { cert: "c", key: "k", mutual: "yes" } }],
    ["compression", { compression: "lz4" }],
    ["compression", { compression: [] }],
    ["types", { types: "Greet" }],
    ["json", { json: 1 }],
    ["serializers[0].handles", { serializers: [{ typeNameOf() {}, serialize() {}, deserialize() {} }] }],
    ["propagator", { propagator: { inject() {} } }],
    ["kinds.greeter", { kinds: { greeter: "not a factory" } }],
    ["maxFrameBytes", { maxFrameBytes: 0 }],
    ["maxFrameBytes", { maxFrameBytes: 2 ** 31 }],
    ["maxOutboundBytes", { maxOutboundBytes: -1 }],
    ["idleTimeoutMs", { heartbeatIntervalMs: 5000, idleTimeoutMs: 1000 }],
    ["reconnect.initialDelayMs", { reconnect: { initialDelayMs: 0.5 } }],
    ["reconnect.maxDelayMs", { reconnect: { initialDelayMs: 500, maxDelayMs: 100 } }],
    ["reconnect.forever", { reconnect: { forever: true } }],
    ["requestTimeoutMs", { requestTimeoutMs: 0 }],
    ["prot", { prot: 1 }],
    ["auth", { auth: "secret" }],
    ["auth.secret", { auth: { secret: "too short" } }],
    ["auth.secret", { auth: { secret: 42 } }],
    ["auth.secret", { auth: { clientSecret: "0123456789abcdef0123" } }],
    ["auth.secret", { role: "client", auth: { secret: "0123456789abcdef0123", clientSecret: "fedcba98765432100123" } }],
    ["auth.clientSecret", { role: "client", auth: {} }],
    ["auth.clientSecret", { auth: { secret: "0123456789abcdef0123", clientSecret: "0123456789abcdef0123" } }],
    ["auth.cookie", { auth: { cookie: "x" } }],
    ["role", { role: "admin" }],
    ["maxConnectionsPerAddress", { maxConnectionsPerAddress: 0 }],
    ["maxHandshakesPerSecond", { maxHandshakesPerSecond: 1.5 }],
    ["maxPendingHandshakes", { maxPendingHandshakes: -3 }],
    ["errorStacks", { errorStacks: "yes" }],
  ];
  for (const [field, options] of invalid) {
    it(`rejects a bad ${field} with InvalidOptionError naming it`, () => {
      const error = (() => {
        try {
          remoting(options as never);
        } catch (e) {
          return e;
        }
      })();
      expect(error).toBeInstanceOf(InvalidOptionError);
      expect((error as InvalidOptionError).field).toBe(field);
    });
  }

  it("fails to start with ListenError when the port is taken, and leaves nothing running", async () => {
    const first = await startNode();
    const port = Number(remoteOf(first).address.split(":").pop());
    const error = await ActorSystem.start({ name: "second", logger: silentLogger, plugins: [remoting({ port })] }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ListenError);
    expect(isTsaktError(error, "ListenFailed")).toBe(true);
  });

  it("names the remoting address after the system, host and the port it got", async () => {
    const system = await startNode({}, "named");
    expect(remoteOf(system).address).toMatch(/^tsakt:\/\/named@127\.0\.0\.1:\d+$/);
    const pid = await system.spawnFunc("a", () => {});
    expect(pid.address).toBe(`${remoteOf(system).address}/user/a`);
    expect(await system.actorOf(pid.address)).toBe(pid);
  });

  it("throws PluginNotInstalledError from remoteOf for a system without remoting, naming the package", async () => {
    const system = await ActorSystem.start({ name: "plain", logger: silentLogger });
    expect(() => remoteOf(system)).toThrow(expect.objectContaining({ code: "PluginNotInstalled", packageName: "@tsakt/remote" }));
    await system.stop();
  });
});
