import { isMessage } from "@bufbuild/protobuf";
import { type Actor, ActorAlreadyExistsError, ActorNotFoundError, ActorSystem, type ReceiveContext, silentLogger } from "@tsakt/actor";
import { cluster, clusterOf, NoEligibleMemberError, RelocationFailedSchema, spawnOn, spawnSingleton } from "@tsakt/cluster";
import { MemoryDiscoveryProvider, MemoryNetwork } from "@tsakt/discovery";
import { remoting } from "@tsakt/remote";
import { eventually } from "@tsakt/testkit";
import { afterEach, describe, expect, it } from "vitest";

/** Answers any string with "<node>:<message>", so a test sees which node hosts the actor. */
function echo(node: string): () => Actor {
  return () => ({
    receive(ctx: ReceiveContext) {
      if (typeof ctx.message === "string") ctx.respond(`${node}:${ctx.message}`);
    },
  });
}

describe("cluster() options", () => {
  it("rejects kinds that are not factories and a bad lookupRetryMs, naming the field", () => {
    const discovery = new MemoryDiscoveryProvider({ network: new MemoryNetwork() });
    expect(() => cluster({ discovery, kinds: { echo: 1 as never } })).toThrow(
      expect.objectContaining({ code: "InvalidOption", field: "kinds.echo" }),
    );
    expect(() => cluster({ discovery, kinds: [] as never })).toThrow(expect.objectContaining({ code: "InvalidOption", field: "kinds" }));
    expect(() => cluster({ discovery, lookupRetryMs: -1 })).toThrow(
      expect.objectContaining({ code: "InvalidOption", field: "lookupRetryMs" }),
    );
  });

  it("fails spawnOn with PluginNotInstalledError on a system without a cluster", async () => {
    const system = await ActorSystem.start({ logger: silentLogger });
    await expect(spawnOn(system, "x", "echo")).rejects.toMatchObject({ code: "PluginNotInstalled", packageName: "@tsakt/cluster" });
    await expect(spawnSingleton(system, "x", "echo")).rejects.toMatchObject({ code: "PluginNotInstalled" });
    await system.stop();
  });
});

describe("placement over remoting (nodes in one process)", () => {
  const systems: ActorSystem[] = [];
  const discovery = new MemoryNetwork();

  afterEach(async () => {
    await Promise.all(systems.splice(0).map((s) => s.stop()));
  });

  async function node(name: string, roles: string[] = []): Promise<ActorSystem> {
    const system = await ActorSystem.start({
      name: "shop",
      logger: silentLogger,
      plugins: [
        remoting({ host: "127.0.0.1", port: 0, json: true }),
        cluster({
          discovery: new MemoryDiscoveryProvider({ network: discovery }),
          kinds: { echo: echo(name) },
          roles,
          probeIntervalMs: 100,
          pingTimeoutMs: 50,
          suspicionTimeoutMs: 400,
        }),
      ],
    });
    systems.push(system);
    return system;
  }

  async function nodes(count: number, roles: (i: number) => string[] = () => []): Promise<ActorSystem[]> {
    const started: ActorSystem[] = [];
    for (let i = 1; i <= count; i++) started.push(await node(`n${i}`, roles(i)));
    await eventually(`${count} members everywhere`, () => started.every((s) => clusterOf(s).members().length === count));
    return started;
  }

  async function askName(system: ActorSystem, name: string, message = "hi"): Promise<unknown> {
    return (await system.actorOf(name)).ask(message, { timeoutMs: 1000 });
  }

  it("finds an actor spawned on one node by name from every node", async () => {
    const [a, b, c] = await nodes(3);
    await spawnOn(a as ActorSystem, "orders", "echo", { placement: "local" });
    for (const s of [a, b, c] as ActorSystem[]) expect(await askName(s, "orders")).toBe("n1:hi");
  });

  it("refuses a name that exists on any node with ActorAlreadyExistsError", async () => {
    const [a, b] = await nodes(2);
    await spawnOn(a as ActorSystem, "orders", "echo", { placement: "local" });
    await expect(spawnOn(b as ActorSystem, "orders", "echo", { placement: "local" })).rejects.toBeInstanceOf(ActorAlreadyExistsError);
    expect((b as ActorSystem).localActorOf("orders")).toBeUndefined();
  });

  it("makes plain system.spawn names unique cluster-wide, findable from any node, and free again after stop", async () => {
    const [a, b, c] = (await nodes(3)) as [ActorSystem, ActorSystem, ActorSystem];
    const original = await a.spawnFunc("ledger", (ctx) => void (ctx.message === "hi" && ctx.respond("from n1")));
    await expect(b.spawnFunc("ledger", () => {})).rejects.toBeInstanceOf(ActorAlreadyExistsError);
    expect(b.localActorOf("ledger")).toBeUndefined();
    expect(await askName(c, "ledger")).toBe("from n1");
    await a.stopActor(original);
    await eventually("the name to be free again", () =>
      b
        .spawnFunc("ledger", () => {})
        .then(
          () => true,
          () => false,
        ),
    );
    expect(b.localActorOf("ledger")).toBeDefined();
  });

  it("gives exactly one actor when two nodes race to spawn the same name", async () => {
    const [a, b] = await nodes(2);
    const results = await Promise.allSettled([
      spawnOn(a as ActorSystem, "race", "echo", { placement: "local" }),
      spawnOn(b as ActorSystem, "race", "echo", { placement: "local" }),
    ]);
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
    const rejected = results.find((r) => r.status === "rejected") as PromiseRejectedResult;
    expect(rejected.reason).toBeInstanceOf(ActorAlreadyExistsError);
    const hosts = [a, b].filter((s) => (s as ActorSystem).localActorOf("race") !== undefined);
    expect(hosts).toHaveLength(1);
  });

  it("spreads round-robin placements over every member and honours roles", async () => {
    const [a] = await nodes(3, (i) => (i === 3 ? ["db"] : []));
    const answers = new Set<unknown>();
    for (let i = 0; i < 6; i++) {
      await spawnOn(a as ActorSystem, `rr-${i}`, "echo");
      answers.add(await askName(a as ActorSystem, `rr-${i}`));
    }
    expect([...answers].sort()).toEqual(["n1:hi", "n2:hi", "n3:hi"]);
    for (let i = 0; i < 3; i++) {
      await spawnOn(a as ActorSystem, `db-${i}`, "echo", { placement: "random", role: "db" });
      expect(await askName(a as ActorSystem, `db-${i}`)).toBe("n3:hi");
    }
    await expect(spawnOn(a as ActorSystem, "nowhere", "echo", { role: "gpu" })).rejects.toBeInstanceOf(NoEligibleMemberError);
  });

  it("places on the member with the fewest actors under least-load", async () => {
    const [a, b] = await nodes(2);
    for (let i = 0; i < 5; i++) await spawnOn(a as ActorSystem, `busy-${i}`, "echo", { placement: "local" });
    await spawnOn(a as ActorSystem, "light", "echo", { placement: "least-load" });
    expect((b as ActorSystem).localActorOf("light")).toBeDefined();
  });

  it("rejects bad spawnOn input with typed errors naming the field", async () => {
    const [a] = await nodes(1);
    await expect(spawnOn(a as ActorSystem, "x", "nope")).rejects.toMatchObject({ code: "KindNotRegistered" });
    await expect(spawnOn(a as ActorSystem, "x", "echo", { placement: "nearest" as never })).rejects.toMatchObject({
      code: "InvalidOption",
      field: "placement",
    });
    await expect(spawnOn(a as ActorSystem, "a/b", "echo")).rejects.toMatchObject({ code: "InvalidName" });
  });

  it("frees a name when its actor stops, spawned here or from another node, and an unknown name is not found at once", async () => {
    const [a, b] = await nodes(2, (i) => (i === 2 ? ["b"] : []));
    await spawnOn(a as ActorSystem, "temp", "echo", { placement: "local" });
    await (a as ActorSystem).stopActor("temp");
    await eventually("the name is freed", async () => (await clusterOf(b as ActorSystem)?.registry.get("actor/temp")) === undefined, {
      timeoutMs: 3000,
    });
    await spawnOn(b as ActorSystem, "temp", "echo", { placement: "local" });
    await spawnOn(a as ActorSystem, "remote-temp", "echo", { role: "b" });
    await (b as ActorSystem).stopActor("remote-temp");
    await eventually(
      "the remote-spawned name is freed",
      async () => (await clusterOf(a as ActorSystem)?.registry.get("actor/remote-temp")) === undefined,
      { timeoutMs: 3000 },
    );
    await spawnOn(a as ActorSystem, "remote-temp", "echo", { placement: "local" });
    const started = Date.now();
    await expect((a as ActorSystem).actorOf("never-spawned")).rejects.toBeInstanceOf(ActorNotFoundError);
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it("re-creates relocatable actors on survivors when their node leaves, and not the others", async () => {
    const [a, b, c] = await nodes(3);
    await spawnOn(c as ActorSystem, "mover", "echo", { placement: "local" });
    await spawnOn(c as ActorSystem, "stayer", "echo", { placement: "local", relocatable: false });
    await (c as ActorSystem).stop();
    await eventually(
      "mover answers from a survivor",
      async () => {
        const answer = await askName(a as ActorSystem, "mover").catch(() => undefined);
        return answer === "n1:hi" || answer === "n2:hi";
      },
      { timeoutMs: 8000 },
    );
    expect(await askName(b as ActorSystem, "mover")).toMatch(/^n[12]:hi$/);
    expect(await clusterOf(a as ActorSystem)?.registry.get("actor/stayer")).toBeUndefined();
  });

  it("re-creates a relocatable actor when the node relocating it leaves too (its entry stays until re-created)", async () => {
    const all = await nodes(4, (i) => (i === 1 ? ["worker"] : []));
    const owner = all[0] as ActorSystem;
    // Which node relocates: the primary of the name's partition once the owner is gone.
    const attempts = new Map<ActorSystem, string[]>(all.map((s) => [s, []]));
    for (const [system, reasons] of attempts)
      system.eventStream.subscribe((e) => {
        if (isMessage(e, RelocationFailedSchema) && e.name === "job") reasons.push(e.reason);
      });
    await spawnOn(owner, "job", "echo", { role: "worker" });
    expect(await askName(all[1] as ActorSystem, "job")).toBe("n1:hi");
    // The only worker leaves: the relocating node keeps trying (no eligible member), then leaves as well.
    await owner.stop();
    const trying = () => [...attempts].find(([, reasons]) => reasons.length > 0)?.[0];
    await eventually("a node tries to relocate", () => trying() !== undefined, { timeoutMs: 8000 });
    const relocating = trying() as ActorSystem;
    expect(attempts.get(relocating)?.[0]).toMatch(/worker/);
    await relocating.stop();
    const survivors = all.filter((s) => s !== owner && s !== relocating);
    // A new worker joins: whoever is primary now found the entry naming the lost owner, and relocates it there.
    await node("n5", ["worker"]);
    await eventually(
      "the actor answers from the new worker",
      async () => (await askName(survivors[0] as ActorSystem, "job").catch(() => undefined)) === "n5:hi",
      { timeoutMs: 15_000 },
    );
    expect(await askName(survivors[1] as ActorSystem, "job")).toBe("n5:hi");
  });

  it("runs one singleton on the leader, and moves it when the leader leaves", async () => {
    const all = (await nodes(3)) as ActorSystem[];
    const cl = (s: ActorSystem) => clusterOf(s);
    // The echo kind answers "<label>:hi", labels n1..n3 in start order.
    const labels = new Map(all.map((s, i) => [cl(s).self.name, `n${i + 1}:hi`]));
    const label = (name: string | undefined) => labels.get(name ?? "");
    // Nodes started within the same millisecond may elect any of them; what matters is that they agree.
    const agreedLeader = async (nodes: ActorSystem[]) => {
      await eventually("every node to agree on the leader", () => new Set(nodes.map((s) => cl(s).leader()?.name)).size === 1);
      return cl(nodes[0] as ActorSystem).leader()?.name;
    };
    const leader = await agreedLeader(all);
    const pids = await Promise.all(all.map((s) => spawnSingleton(s, "boss", "echo")));
    expect(new Set(pids.map((p) => p.address)).size).toBe(1);
    const leaderNode = all.find((s) => cl(s).self.name === leader) as ActorSystem;
    const survivors = all.filter((s) => s !== leaderNode);
    expect(await askName(survivors[0] as ActorSystem, "boss")).toBe(label(leader));
    await leaderNode.stop();
    const next = await agreedLeader(survivors);
    expect(next).not.toBe(leader);
    await eventually(
      "the singleton answers from the next leader",
      async () => (await askName(survivors[0] as ActorSystem, "boss").catch(() => undefined)) === label(next),
      { timeoutMs: 8000 },
    );
  });

  it("places a singleton with a role on the oldest member that has it", async () => {
    const all = (await nodes(3, (i) => (i >= 2 ? ["worker"] : []))) as ActorSystem[];
    const cl = (s: ActorSystem) => clusterOf(s);
    await eventually("agreement on the oldest worker", () => new Set(all.map((s) => cl(s).leader("worker")?.name)).size === 1);
    const oldestWorker = all.findIndex((s) => cl(s).self.name === cl(all[0] as ActorSystem).leader("worker")?.name);
    // Only n2 and n3 have the role; whichever of them is older hosts the singleton, never n1.
    expect([1, 2]).toContain(oldestWorker);
    await spawnSingleton(all[0] as ActorSystem, "chief", "echo", { role: "worker" });
    expect(await askName(all[0] as ActorSystem, "chief")).toBe(`n${oldestWorker + 1}:hi`);
  });
});
