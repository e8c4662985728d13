import { consulOptionsFromEnv } from "@tsakt/discovery-consul";
import { describe, expect, it } from "vitest";

describe("consulOptionsFromEnv", () => {
  it("returns nothing when CONSUL_HTTP_ADDR is unset", () => {
    expect(consulOptionsFromEnv({})).toEqual({});
  });

  it.each([
    [{ CONSUL_HTTP_ADDR: "127.0.0.1:8500" }, { host: "127.0.0.1", port: 8500, secure: false }],
    [{ CONSUL_HTTP_ADDR: "http://consul.local:8501/" }, { host: "consul.local", port: 8501, secure: false }],
    [{ CONSUL_HTTP_ADDR: "https://consul.local:8501" }, { host: "consul.local", port: 8501, secure: true }],
    [
      { CONSUL_HTTP_ADDR: "10.0.0.5:8501", CONSUL_HTTP_SSL: "true", CONSUL_HTTP_TOKEN: "t0k" },
      { host: "10.0.0.5", port: 8501, secure: true, token: "t0k" },
    ],
  ])("reads %j", (env, expected) => {
    expect(consulOptionsFromEnv(env)).toEqual(expected);
  });

  it("names the variable that is malformed", () => {
    expect(() => consulOptionsFromEnv({ CONSUL_HTTP_ADDR: "consul" })).toThrow(expect.objectContaining({ field: "CONSUL_HTTP_ADDR" }));
    expect(() => consulOptionsFromEnv({ CONSUL_HTTP_ADDR: "a:1", CONSUL_HTTP_SSL: "maybe" })).toThrow(
      expect.objectContaining({ field: "CONSUL_HTTP_SSL" }),
    );
  });
});
