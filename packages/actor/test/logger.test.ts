import { ActorSystem, consoleLogger, type InvalidOptionError, type LogFn, type LoggerLike, toLogger } from "@tsakt/actor";
import { afterEach, describe, expect, it, vi } from "vitest";

/** Runs `write` with process.stderr captured; returns the JSON entries it wrote. */
function stderrOf(write: () => void): Array<Record<string, unknown>> {
  const lines: string[] = [];
  const spy = vi.spyOn(process.stderr, "write").mockImplementation((chunk: string | Uint8Array) => {
    lines.push(String(chunk));
    return true;
  });
  try {
    write();
  } finally {
    spy.mockRestore();
  }
  return lines
    .join("")
    .trim()
    .split("\n")
    .filter(Boolean)
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

afterEach(() => vi.restoreAllMocks());

describe("consoleLogger", () => {
  it("keeps an error's stack, code and cause chain", () => {
    const root = Object.assign(new Error("socket closed"), { code: "ECONNRESET" });
    const error = new Error("registry write failed", { cause: root });
    const [entry] = stderrOf(() => consoleLogger("info").error({ err: error }, "it broke"));
    const err = entry?.err as Record<string, unknown>;
    expect(err).toMatchObject({ name: "Error", message: "registry write failed" });
    expect(err.stack).toContain("logger.test.ts");
    expect(err.cause).toMatchObject({ name: "Error", message: "socket closed", code: "ECONNRESET" });
    expect((err.cause as Record<string, unknown>).stack).toContain("socket closed");
  });

  it("writes fatal, drops levels below its own, and never throws on bigints or cycles", () => {
    const cyclic: Record<string, unknown> = { id: 7n };
    cyclic.self = cyclic;
    const entries = stderrOf(() => {
      const log = consoleLogger("error");
      log.warn("dropped");
      log.fatal(cyclic, "cannot go on");
    });
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({ level: "fatal", msg: "cannot go on", id: "7", self: { id: "7", self: "[Circular]" } });
  });

  it("child loggers add their bindings to every line, and theirs override the parent's", () => {
    const entries = stderrOf(() => {
      const node = consoleLogger("info", { app: "shop", node: "a" }).child({ node: "n1" });
      node.child({ actor: "/user/cart" }).info({ items: 2 }, "added");
      node.info("plain");
    });
    expect(entries[0]).toMatchObject({ app: "shop", node: "n1", actor: "/user/cart", items: 2, msg: "added", level: "info" });
    expect(entries[1]).toMatchObject({ app: "shop", node: "n1", msg: "plain" });
    expect(entries[1]).not.toHaveProperty("actor");
  });
});

describe("toLogger", () => {
  function minimal(): LoggerLike & { calls: Array<[string, unknown, unknown]> } {
    const calls: Array<[string, unknown, unknown]> = [];
    const at = (level: string): LogFn => ((a: unknown, b?: unknown) => calls.push([level, a, b])) as LogFn;
    return { calls, trace: at("trace"), debug: at("debug"), info: at("info"), warn: at("warn"), error: at("error") };
  }

  it("derives fatal (written as error) and child (bindings merged into each entry) for a logger without them", () => {
    const base = minimal();
    const log = toLogger(base).child({ node: "n1" });
    log.fatal("out of memory");
    log.child({ actor: "a" }).warn({ n: 1 }, "slow");
    expect(base.calls).toEqual([
      ["error", { node: "n1" }, "out of memory"],
      ["warn", { node: "n1", actor: "a", n: 1 }, "slow"],
    ]);
  });

  it("is what the system logs through: a minimal logger gets fatal and child, a bad child is refused", async () => {
    const base = minimal();
    const system = await ActorSystem.start({ name: "logs", logger: base });
    try {
      system.logger.child({ part: "test" }).fatal("boom");
      expect(base.calls).toContainEqual(["error", { part: "test" }, "boom"]);
    } finally {
      await system.stop();
    }
    await expect(ActorSystem.start({ name: "bad", logger: { ...minimal(), child: 1 } as unknown as LoggerLike })).rejects.toThrow(
      expect.objectContaining({ field: "logger.child" }) as InvalidOptionError,
    );
  });
});
