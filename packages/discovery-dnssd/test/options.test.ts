import { describe, expect, it } from "vitest";
import { canonicalName, resolveDnsSdOptions } from "../src/options.js";

describe("resolveDnsSdOptions", () => {
  it("applies the documented defaults", () => {
    expect(resolveDnsSdOptions({ serviceName: "_tsakt._tcp.web.default.svc.cluster.local" })).toEqual({
      serviceName: "_tsakt._tcp.web.default.svc.cluster.local",
      mode: "srv",
      servers: undefined,
      family: "any",
      readTxt: true,
      timeoutMs: 5000,
      queryTimeoutMs: 1000,
      tries: 2,
    });
  });

  it("compares service names in canonical form and accepts IPv4, IPv6 and bracketed servers with ports", () => {
    const resolved = resolveDnsSdOptions({
      serviceName: "_TsAkt._TCP.Example.COM.",
      mode: "dns-sd",
      servers: ["10.96.0.10", "127.0.0.1:5353", "::1", "[::1]:5353"],
    });
    expect(resolved.serviceName).toBe("_tsakt._tcp.example.com");
    expect(resolved.servers).toEqual(["10.96.0.10", "127.0.0.1:5353", "::1", "[::1]:5353"]);
  });

  it("names the field and says what to do", () => {
    expect(() => resolveDnsSdOptions({ serviceName: "a".repeat(64) })).toThrow(/serviceName must be a DNS name of labels 1-63/);
    expect(() => resolveDnsSdOptions({ serviceName: "_tsakt._tcp.a.test", servers: ["dns.example.com"] })).toThrow(
      /servers\[0\] is not host:port/,
    );
    expect(() => resolveDnsSdOptions({ serviceName: "_tsakt._tcp.a.test", servers: ["dns.example.com:53"] })).toThrow(
      /servers\[0\] must be an IP address with an optional port, not a host name/,
    );
    expect(() => resolveDnsSdOptions(null as never)).toThrow(/options must be an object/);
  });

  it("canonicalName lower-cases and drops the trailing dot", () => {
    expect(canonicalName("Web-0.Default.SVC.")).toBe("web-0.default.svc");
  });
});
