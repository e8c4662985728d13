import { describe, expect, it } from "vitest";
import { matchesSelector, parseLabelSelector, SelectorParseError } from "../src/index.js";

describe("label selectors in the fake Kubernetes API", () => {
  const labels = { app: "tsakt", env: "prod", "example.com/team": "core" };

  it.each([
    ["", true],
    ["app=tsakt", true],
    ["app==tsakt", true],
    ["app!=tsakt", false],
    ["tier!=db", true],
    ["app=tsakt,env=dev", false],
    ["env in (dev, prod)", true],
    ["env notin (prod)", false],
    ["tier notin (db)", true],
    ["tier in (db)", false],
    ["example.com/team", true],
    ["!example.com/team", false],
    ["!tier", true],
    ["app=tsakt,env in (prod,qa),!tier", true],
  ])("evaluates %j as %s", (selector, expected) => {
    expect(matchesSelector(parseLabelSelector(selector), labels)).toBe(expected);
  });

  it.each(["app=(x", "=x", "a b=c", ",app=x", "app=-x"])("rejects %j", (selector) => {
    expect(() => parseLabelSelector(selector)).toThrow(SelectorParseError);
  });
});
