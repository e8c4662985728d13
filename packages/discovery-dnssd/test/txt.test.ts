import { describe, expect, it } from "vitest";
import { parseTxt } from "../src/txt.js";

describe("parseTxt", () => {
  it("reads name, roles and the other keys as meta", () => {
    expect(parseTxt([["name=web-0", "roles=api, worker,,", "zone=a", "path=/x=y"]])).toEqual({
      name: "web-0",
      roles: ["api", "worker"],
      meta: { zone: "a", path: "/x=y" },
    });
  });

  it("keeps the first occurrence of a key, matching keys without regard to case, across records", () => {
    expect(
      parseTxt([
        ["Name=first", "zone=a"],
        ["NAME=second", "ZONE=b"],
      ]),
    ).toEqual({ name: "first", meta: { zone: "a" } });
  });

  it("gives a bare key the empty value, and ignores empty strings, empty keys and an empty name", () => {
    expect(parseTxt([["", "=orphan", "secure", "name="]])).toEqual({ meta: { secure: "" } });
  });

  it("returns no attributes for no records", () => {
    expect(parseTxt([])).toEqual({});
  });
});
