import {
  InvalidConfigError,
  parseHostPort,
  validateDurationMs,
  validateHost,
  validateNode,
  validatePort,
  validatePositiveInteger,
} from "@tsakt/discovery";
import { describe, expect, it } from "vitest";

function fieldOf(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidConfigError);
    expect((error as InvalidConfigError).code).toBe("InvalidConfig");
    return (error as InvalidConfigError).field;
  }
  throw new Error("expected an InvalidConfigError");
}

describe("validateNode", () => {
  it("returns a copy that does not share roles or meta with the input", () => {
    const input = { name: "a", host: "127.0.0.1", port: 4000, roles: ["web"], meta: { zone: "z1" } };
    const node = validateNode(input);
    expect(node).toEqual(input);
    input.roles.push("db");
    input.meta.zone = "z2";
    expect(node.roles).toEqual(["web"]);
    expect(node.meta).toEqual({ zone: "z1" });
  });

  it("leaves roles and meta out when the input has none", () => {
    expect(validateNode({ name: "a", host: "h", port: 1 })).toStrictEqual({ name: "a", host: "h", port: 1 });
  });

  it("names the faulty field under the given prefix", () => {
    const ok = { name: "a", host: "127.0.0.1", port: 4000 };
    expect(fieldOf(() => validateNode({ ...ok, name: "" }))).toBe("self.name");
    expect(fieldOf(() => validateNode({ ...ok, host: "a b" }))).toBe("self.host");
    expect(fieldOf(() => validateNode({ ...ok, port: 65_536 }))).toBe("self.port");
    expect(fieldOf(() => validateNode({ ...ok, port: 1.5 }))).toBe("self.port");
    expect(fieldOf(() => validateNode({ ...ok, roles: "web" }))).toBe("self.roles");
    expect(fieldOf(() => validateNode({ ...ok, meta: { n: 1 } }))).toBe("self.meta");
    expect(fieldOf(() => validateNode(null, "peers[2]"))).toBe("peers[2]");
    expect(fieldOf(() => validateNode({ ...ok, port: "80" }, "peers[0]"))).toBe("peers[0].port");
  });

  it("says what was wrong and what it got", () => {
    expect(() => validateNode({ name: "a", host: "h", port: 0 })).toThrow(
      "invalid discovery config: self.port must be an integer from 1 to 65535, got 0",
    );
  });
});

describe("number and string helpers", () => {
  it("accepts valid values and returns them", () => {
    expect(validatePort(65_535, "port")).toBe(65_535);
    expect(validateHost("::1", "host")).toBe("::1");
    expect(validatePositiveInteger(3, "n")).toBe(3);
    expect(validateDurationMs(0.5, "ms")).toBe(0.5);
  });

  it("uses the fallback only for undefined", () => {
    expect(validatePositiveInteger(undefined, "n", 7)).toBe(7);
    expect(validateDurationMs(undefined, "ms", 5000)).toBe(5000);
    expect(fieldOf(() => validatePositiveInteger(null, "n", 7))).toBe("n");
    expect(fieldOf(() => validatePositiveInteger(undefined, "n"))).toBe("n");
  });

  it("rejects zero, negatives, fractions and non-numbers with the field named", () => {
    for (const bad of [0, -1, 1.5, Number.NaN, "5"]) expect(fieldOf(() => validatePositiveInteger(bad, "replicas"))).toBe("replicas");
    for (const bad of [0, -1, Number.POSITIVE_INFINITY, Number.NaN, "5"])
      expect(fieldOf(() => validateDurationMs(bad, "ttlMs"))).toBe("ttlMs");
    for (const bad of [0, 65_536, 80.5, "80"]) expect(fieldOf(() => validatePort(bad, "port"))).toBe("port");
  });
});

describe("parseHostPort", () => {
  it("parses host names, IPv4 and bracketed IPv6", () => {
    expect(parseHostPort("node-1.local:4000", "peers[0]")).toEqual({ host: "node-1.local", port: 4000 });
    expect(parseHostPort("127.0.0.1:1", "peers[0]")).toEqual({ host: "127.0.0.1", port: 1 });
    expect(parseHostPort("[::1]:65535", "peers[0]")).toEqual({ host: "::1", port: 65_535 });
  });

  it("rejects text that is not host:port, naming the entry", () => {
    for (const bad of ["localhost", ":4000", "h:", "h:port", "::1:4000", "a b:1", 4000, "h:99999", "h:0"]) {
      expect(fieldOf(() => parseHostPort(bad, "peers[2]"))).toBe("peers[2]");
    }
    expect(() => parseHostPort("localhost", "peers[2]")).toThrow('peers[2] is not host:port, got "localhost"');
  });
});
