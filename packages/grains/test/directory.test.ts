import { ActorSystem, silentLogger } from "@tsakt/actor";
import {
  type Grain,
  type GrainActivationError,
  type GrainDirectory,
  GrainOwnedElsewhereError,
  type GrainPlacementRequest,
  grainOf,
  grains,
  InMemoryGrainDirectory,
} from "@tsakt/grains";
import { runGrainDirectoryConformance } from "@tsakt/grains/testing";
import { eventually } from "@tsakt/testkit";
import { afterEach, describe, expect, it } from "vitest";
import { fieldRejected, rejection, startGrains } from "./helpers.js";

runGrainDirectoryConformance("in-memory", { create: () => new InMemoryGrainDirectory() });

const echo = { factory: (): Grain => ({ onReceive: (ctx) => ctx.respond(ctx.message) }) };

const nodes: ActorSystem[] = [];
afterEach(async () => {
  await Promise.all(nodes.splice(0).map((s) => s.stop()));
});

/** Starts a named system ("node") with grains that use `directory`. */
async function node(name: string, directory: GrainDirectory): Promise<ActorSystem> {
  const system = await ActorSystem.start({
    name,
    logger: silentLogger,
    plugins: [grains({ kinds: { echo: { ...echo, idleMs: 30 } }, directory })],
  });
  nodes.push(system);
  return system;
}

describe("the in-memory directory", () => {
  it("rejects malformed identities and nodes naming the field", async () => {
    const directory = new InMemoryGrainDirectory();
    await expect(directory.claim({ kind: "a" } as never, "tsakt://n")).rejects.toMatchObject({ field: "identity" });
    await expect(directory.claim({ kind: "a", id: "1" }, "")).rejects.toMatchObject({ field: "node" });
    expect(fieldRejected(() => grains({ directory: { lookup() {}, claim() {}, release() {} } as never }))).toBe("directory.name");
  });
});

describe("the directory seam", () => {
  it("claims an identity while its grain is active and releases it when the grain deactivates", async () => {
    const directory = new InMemoryGrainDirectory();
    const system = await node("solo", directory);
    await grainOf(system, "echo", "1").ask("hi");
    expect(await directory.lookup({ kind: "echo", id: "1" })).toBe("tsakt://solo");
    await eventually("the claim to be released after deactivation", () => directory.size === 0);
  });

  it("releases every claim when the system stops", async () => {
    const directory = new InMemoryGrainDirectory();
    const system = await startGrains({ kinds: { echo: { ...echo, longLived: true } }, directory });
    await Promise.all(["a", "b", "c"].map((id) => grainOf(system, "echo", id).ask("hi")));
    expect(directory.size).toBe(3);
    await system.stop();
    expect(directory.size).toBe(0);
  });

  it("refuses a grain another node owns with GrainOwnedElsewhereError, until that node lets it go", async () => {
    const directory = new InMemoryGrainDirectory();
    const a = await node("node-a", directory);
    const b = await node("node-b", directory);
    expect(await grainOf(a, "echo", "shared").ask("hi")).toBe("hi");

    const error = await rejection<GrainOwnedElsewhereError>(grainOf(b, "echo", "shared").ask("hi"), "GrainOwnedElsewhere");
    expect(error).toBeInstanceOf(GrainOwnedElsewhereError);
    expect(error.node).toBe("tsakt://node-a");

    await eventually("node-a's grain to deactivate", () => directory.size === 0);
    expect(await grainOf(b, "echo", "shared").ask("hi again")).toBe("hi again");
    expect(await directory.lookup({ kind: "echo", id: "shared" })).toBe("tsakt://node-b");
  });

  it("asks the placement hook where a new grain goes, and refuses one placed on another node", async () => {
    const asked: GrainPlacementRequest[] = [];
    const system = await startGrains({
      kinds: { echo },
      placement: {
        name: "elsewhere",
        place: (request) => (asked.push(request), request.identity.id === "here" ? request.self : "tsakt://other"),
      },
    });
    expect(await grainOf(system, "echo", "here").ask("hi")).toBe("hi");
    const error = await rejection<GrainOwnedElsewhereError>(grainOf(system, "echo", "there").ask("hi"), "GrainOwnedElsewhere");
    expect(error.node).toBe("tsakt://other");
    expect(asked).toEqual([
      { identity: { kind: "echo", id: "here" }, self: "tsakt://grains-test" },
      { identity: { kind: "echo", id: "there" }, self: "tsakt://grains-test" },
    ]);
  });

  it("reports a failing directory as GrainActivationError and tries again on the next call", async () => {
    const inner = new InMemoryGrainDirectory();
    let failures = 1;
    const flaky: GrainDirectory = {
      name: "flaky",
      lookup: (identity) => inner.lookup(identity),
      claim: async (identity, owner) => {
        if (failures-- > 0) throw new Error("directory unavailable");
        return inner.claim(identity, owner);
      },
      release: (identity, owner) => inner.release(identity, owner),
    };
    const system = await startGrains({ kinds: { echo }, directory: flaky });
    const error = await rejection<GrainActivationError>(grainOf(system, "echo", "1").ask("hi"), "GrainActivation");
    expect((error.cause as Error).message).toBe("directory unavailable");
    expect(await grainOf(system, "echo", "1").ask("hi")).toBe("hi");
  });
});
