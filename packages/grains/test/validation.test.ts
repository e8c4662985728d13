import { ActorSystem, InvalidMessageError, silentLogger } from "@tsakt/actor";
import { type Grain, grainOf, grains, grainsOf, maxIdLength, maxKindLength, UnknownGrainKindError } from "@tsakt/grains";
import { describe, expect, it } from "vitest";
import { counterKind, fieldRejected, startGrains } from "./helpers.js";

const echo = { factory: (): Grain => ({ onReceive: (ctx) => ctx.respond(ctx.message) }) };

describe("identities", () => {
  it("rejects a bad kind with an InvalidOptionError naming the field kind", async () => {
    const system = await startGrains({ kinds: { echo } });
    for (const kind of ["", "a/b", "bad kind", "a@b", "x".repeat(maxKindLength + 1), 42 as unknown as string])
      expect(
        fieldRejected(() => grainOf(system, kind, "1")),
        `kind ${JSON.stringify(kind)}`,
      ).toBe("kind");
  });

  it("rejects a bad id with an InvalidOptionError naming the field id", async () => {
    const system = await startGrains({ kinds: { echo } });
    const bad = [
      "",
      "line\nbreak",
      "nul\u0000",
      "x".repeat(maxIdLength + 1),
      "lone \ud800 surrogate",
      "é".repeat(80),
      undefined as unknown as string,
    ];
    for (const id of bad)
      expect(
        fieldRejected(() => grainOf(system, "echo", id)),
        `id ${JSON.stringify(id)}`,
      ).toBe("id");
  });

  it("accepts ids with slashes, spaces and any script, each its own grain", async () => {
    const system = await startGrains({ kinds: { counter: counterKind([]) } });
    const ids = ["a/b", "a~2Fb", "a b", "ada@example.com", "名前", "x".repeat(maxIdLength), "(*'!~)"];
    for (const id of ids) grainOf(system, "counter", id).tell("inc");
    grainOf(system, "counter", "a/b").tell("inc");
    const counts = await Promise.all(ids.map((id) => grainOf(system, "counter", id).ask("get")));
    expect(counts).toEqual([2, 1, 1, 1, 1, 1, 1]);
    const names = ids.map((id) => grainOf(system, "counter", id).name);
    expect(new Set(names).size).toBe(ids.length);
    for (const name of names) expect(name).toMatch(/^counter@[A-Za-z0-9_.~-]+$/);
    expect(grainOf(system, "counter", "a/b").path).toBe("/system/grains/counter@a~2Fb");
  });

  it("throws UnknownGrainKindError for a kind that is not registered, listing the known ones", async () => {
    const system = await startGrains({ kinds: { echo } });
    expect(() => grainOf(system, "account", "1")).toThrow(UnknownGrainKindError);
    expect(() => grainOf(system, "account", "1")).toThrow(/known: echo/);
  });

  it("throws PluginNotInstalledError for a system started without the plugin", async () => {
    const system = await ActorSystem.start({ name: "plain", logger: silentLogger });
    try {
      expect(() => grainOf(system, "echo", "1")).toThrow(
        expect.objectContaining({ code: "PluginNotInstalled", packageName: "@tsakt/grains" }),
      );
      expect(() => grainsOf(system)).toThrow(expect.objectContaining({ code: "PluginNotInstalled", plugin: "grains" }));
    } finally {
      await system.stop();
    }
  });

  it("rejects undefined and null messages", async () => {
    const system = await startGrains({ kinds: { echo } });
    const grain = grainOf(system, "echo", "1");
    expect(() => grain.tell(undefined)).toThrow(InvalidMessageError);
    await expect(grain.ask(null)).rejects.toThrow(InvalidMessageError);
    await expect(grain.send(undefined)).rejects.toThrow(InvalidMessageError);
  });
});

describe("registration", () => {
  it("registers a kind on a running system, and refuses the same name twice naming the field kind", async () => {
    const system = await startGrains({ kinds: { echo } });
    grainsOf(system).registerKind("late", { factory: () => ({ onReceive: (ctx) => ctx.respond("late hello") }) });
    expect(await grainOf(system, "late", "1").ask("hi")).toBe("late hello");
    expect(fieldRejected(() => grainsOf(system).registerKind("echo", echo))).toBe("kind");
    expect(fieldRejected(() => grainsOf(system).registerKind("no good", echo))).toBe("kind");
    expect(fieldRejected(() => grainsOf(system).registerKind("other", { factory: echo.factory, idleMs: -1 }))).toBe("definition.idleMs");
  });

  it("rejects bad plugin options naming the field", () => {
    const factory = echo.factory;
    const cases: Array<[unknown, string]> = [
      [null, "options"],
      [{ kind: {} }, "kind"],
      [{ kinds: [] }, "kinds"],
      [{ kinds: { "bad kind": { factory } } }, "kind"],
      [{ kinds: { a: null } }, "kinds.a"],
      [{ kinds: { a: {} } }, "kinds.a.factory"],
      [{ kinds: { a: { factory, idleMs: 0 } } }, "kinds.a.idleMs"],
      [{ kinds: { a: { factory, idleMs: 1.5 } } }, "kinds.a.idleMs"],
      [{ kinds: { a: { factory, idleMs: 10, longLived: true } } }, "kinds.a.idleMs"],
      [{ kinds: { a: { factory, longLived: "yes" } } }, "kinds.a.longLived"],
      [{ kinds: { a: { factory, reentrant: 1 } } }, "kinds.a.reentrant"],
      [{ kinds: { a: { factory, activationTimeoutMs: Infinity } } }, "kinds.a.activationTimeoutMs"],
      [{ kinds: { a: { factory, idle: 10 } } }, "kinds.a.idle"],
      [{ directory: {} }, "directory.lookup"],
      [{ directory: { name: "d", lookup() {}, claim() {} } }, "directory.release"],
      [{ placement: { name: "p" } }, "placement.place"],
    ];
    for (const [options, field] of cases)
      expect(
        fieldRejected(() => grains(options as never)),
        JSON.stringify(options),
      ).toBe(field);
  });

  it("refuses to serve two systems with one plugin object", async () => {
    const plugin = grains({ kinds: { echo } });
    const first = await ActorSystem.start({ name: "first", logger: silentLogger, plugins: [plugin] });
    try {
      await expect(ActorSystem.start({ name: "second", logger: silentLogger, plugins: [plugin] })).rejects.toMatchObject({
        field: "plugins",
      });
    } finally {
      await first.stop();
    }
  });
});
