import { ActorSystem, type Plugin, PluginNotInstalledError, schedulerOf, silentLogger } from "@tsakt/actor";
import { clusterOf } from "@tsakt/cluster";
import { grainOf, grainsOf } from "@tsakt/grains";
import { clusterGrains } from "@tsakt/grains/cluster";
import { pubsubOf } from "@tsakt/pubsub";
import { clusterPubSubOf } from "@tsakt/pubsub/cluster";
import { remoteOf } from "@tsakt/remote";
import { describe, expect, it } from "vitest";

describe("the plugin model", () => {
  it("every xxxOf on a system without the plugin throws PluginNotInstalledError naming the package to add", async () => {
    await using system = await ActorSystem.start({ name: "bare", logger: silentLogger });
    const cases: Array<[string, () => unknown, string]> = [
      ["remoteOf", () => remoteOf(system), "@tsakt/remote"],
      ["clusterOf", () => clusterOf(system), "@tsakt/cluster"],
      ["grainsOf", () => grainsOf(system), "@tsakt/grains"],
      ["grainOf", () => grainOf(system, "account", "ada"), "@tsakt/grains"],
      ["pubsubOf", () => pubsubOf(system), "@tsakt/pubsub"],
      ["clusterPubSubOf", () => clusterPubSubOf(system), "@tsakt/pubsub"],
    ];
    for (const [name, call, packageName] of cases) {
      let thrown: unknown;
      try {
        call();
      } catch (error) {
        thrown = error;
      }
      expect(thrown, name).toBeInstanceOf(PluginNotInstalledError);
      expect((thrown as PluginNotInstalledError).packageName, name).toContain(packageName);
      expect((thrown as Error).message, name).toContain("ActorSystem.start({ plugins");
    }
    // The scheduler is part of every system.
    expect(schedulerOf(system).list()).toEqual([]);
  });

  it("every plugin and discovery provider can be disposed with await using", async () => {
    const { MemoryDiscoveryProvider, MemoryNetwork } = await import("@tsakt/discovery");
    const network = new MemoryNetwork();
    const { StaticDiscoveryProvider } = await import("@tsakt/discovery-static");
    const { cluster } = await import("@tsakt/cluster");
    const { grains } = await import("@tsakt/grains");
    const { pubsub } = await import("@tsakt/pubsub");
    const { clusterPubSub } = await import("@tsakt/pubsub/cluster");
    const { remoting } = await import("@tsakt/remote");
    const discovery = new MemoryDiscoveryProvider({ network });
    const disposables: object[] = [
      remoting(),
      cluster({ discovery }),
      grains(),
      clusterGrains(),
      pubsub(),
      clusterPubSub(),
      discovery,
      new StaticDiscoveryProvider({ peers: [] }),
    ];
    for (const d of disposables) expect(typeof (d as AsyncDisposable)[Symbol.asyncDispose], d.constructor.name).toBe("function");
    // Disposing a provider closes it.
    {
      await using provider = new MemoryDiscoveryProvider({ network });
      await provider.register({ name: "x", host: "127.0.0.1", port: 1 });
    }
  });

  it("starts plugins after those they depend on, stops them in reverse, and refuses a missing dependency or a repeat", async () => {
    const log: string[] = [];
    const plugin = (name: string, dependsOn: string[] = []): Plugin => ({
      name,
      dependsOn,
      start: () => void log.push(`start ${name}`),
      stop: () => void log.push(`stop ${name}`),
    });
    const system = await ActorSystem.start({
      logger: silentLogger,
      plugins: [plugin("c", ["b"]), plugin("a"), plugin("b", ["a"])],
    });
    await system.stop();
    expect(log).toEqual(["start a", "start b", "start c", "stop c", "stop b", "stop a"]);
    await expect(ActorSystem.start({ logger: silentLogger, plugins: [clusterGrains()] })).rejects.toMatchObject({
      code: "PluginNotInstalled",
      plugin: "remoting",
      packageName: "@tsakt/remote",
    });
    await expect(ActorSystem.start({ logger: silentLogger, plugins: [plugin("x"), plugin("x")] })).rejects.toMatchObject({
      code: "InvalidOption",
      field: "plugins[1]",
    });
    await expect(ActorSystem.start({ logger: silentLogger, plugins: [plugin("p", ["q"]), plugin("q", ["p"])] })).rejects.toMatchObject({
      code: "InvalidOption",
      field: "plugins",
    });
  });
});
