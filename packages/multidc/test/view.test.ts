import { testRecord } from "@tsakt/multidc/testing";
import { describe, expect, it } from "vitest";
import { DatacenterView } from "../src/view.js";

// The view is the rule book of datacenter states; these tests drive it with explicit times.
describe("DatacenterView", () => {
  const lease = 1000;

  it("shows a datacenter in its record's state while heartbeats keep changing it", () => {
    const view = new DatacenterView(lease, "dc-a");
    expect(view.observe([testRecord("dc-b", { state: "REGISTERED", sequence: 1 })], 0)).toEqual([
      { name: "dc-b", state: "REGISTERED", previous: undefined },
    ]);
    expect(view.observe([testRecord("dc-b", { state: "ACTIVE", sequence: 2 })], 900)).toEqual([
      { name: "dc-b", state: "ACTIVE", previous: "REGISTERED" },
    ]);
    expect(view.observe([testRecord("dc-b", { sequence: 3 })], 1800)).toEqual([]);
    expect(view.get("dc-b")).toMatchObject({ state: "ACTIVE", local: false, endpoints: ["127.0.0.1:1"] });
  });

  it("turns a record that stopped changing INACTIVE after the lease, and ACTIVE again when it changes", () => {
    const view = new DatacenterView(lease, "dc-a");
    view.observe([testRecord("dc-b", { sequence: 1 })], 0);
    expect(view.observe([testRecord("dc-b", { sequence: 1 })], 1000)).toEqual([]);
    expect(view.observe([testRecord("dc-b", { sequence: 1 })], 1001)).toEqual([{ name: "dc-b", state: "INACTIVE", previous: "ACTIVE" }]);
    expect(view.observe([testRecord("dc-b", { sequence: 2 })], 1500)).toEqual([{ name: "dc-b", state: "ACTIVE", previous: "INACTIVE" }]);
  });

  it("dates a record seen for the first time by its heartbeat: a long-dead datacenter's record is INACTIVE at once", () => {
    const view = new DatacenterView(lease, "dc-a");
    expect(
      view.observe([testRecord("dc-old", { heartbeatAtMs: 10_000 }), testRecord("dc-new", { heartbeatAtMs: 19_500 })], 20_000),
    ).toEqual([
      { name: "dc-old", state: "INACTIVE", previous: undefined },
      { name: "dc-new", state: "ACTIVE", previous: undefined },
    ]);
    // dc-ahead's clock runs ahead of ours: it is dated now, never later (and dc-new vanished from the store).
    expect(view.observe([testRecord("dc-ahead", { heartbeatAtMs: 99_000 })], 20_100)).toEqual([
      { name: "dc-new", state: "INACTIVE", previous: "ACTIVE" },
      { name: "dc-ahead", state: "ACTIVE", previous: undefined },
    ]);
    expect(view.observe([testRecord("dc-ahead", { heartbeatAtMs: 99_000 })], 21_101)).toEqual([
      { name: "dc-ahead", state: "INACTIVE", previous: "ACTIVE" },
    ]);
  });

  it("turns a datacenter whose record vanished INACTIVE at once and keeps showing it", () => {
    const view = new DatacenterView(lease, "dc-a");
    view.observe([testRecord("dc-a"), testRecord("dc-b")], 0);
    expect(view.observe([testRecord("dc-a", { sequence: 2 })], 100)).toEqual([{ name: "dc-b", state: "INACTIVE", previous: "ACTIVE" }]);
    expect(view.all().map((d) => [d.name, d.state, d.local])).toEqual([
      ["dc-a", "ACTIVE", true],
      ["dc-b", "INACTIVE", false],
    ]);
  });

  it("freezes states while the control plane cannot be read, then gives live datacenters a whole lease to write again", () => {
    const view = new DatacenterView(lease, "dc-a");
    view.observe([testRecord("dc-b", { sequence: 1 }), testRecord("dc-c", { sequence: 1 }), testRecord("dc-d", { sequence: 1 })], 0);
    view.observe([testRecord("dc-b", { sequence: 2 }), testRecord("dc-c", { sequence: 1 }), testRecord("dc-d", { sequence: 2 })], 800);
    // dc-c went INACTIVE before the outage began (last change at 0, evaluated at 1001).
    expect(
      view.observe([testRecord("dc-b", { sequence: 2 }), testRecord("dc-c", { sequence: 1 }), testRecord("dc-d", { sequence: 2 })], 1001),
    ).toEqual([{ name: "dc-c", state: "INACTIVE", previous: "ACTIVE" }]);
    view.unreachable(1100);
    expect(view.controlPlaneReachable).toBe(false);
    view.unreachable(5000); // the outage started at 1100, not at the last failure
    // After a 10 s outage, dc-b has written again and dc-d has not yet: neither is INACTIVE, dc-c still is.
    expect(
      view.observe([testRecord("dc-b", { sequence: 3 }), testRecord("dc-c", { sequence: 1 }), testRecord("dc-d", { sequence: 2 })], 11_100),
    ).toEqual([]);
    expect(view.controlPlaneReachable).toBe(true);
    expect(view.get("dc-c")?.state).toBe("INACTIVE");
    // dc-d had a whole lease from the end of the outage and never wrote again.
    expect(
      view.observe([testRecord("dc-b", { sequence: 4 }), testRecord("dc-c", { sequence: 1 }), testRecord("dc-d", { sequence: 2 })], 12_100),
    ).toEqual([]);
    expect(
      view.observe([testRecord("dc-b", { sequence: 5 }), testRecord("dc-c", { sequence: 1 }), testRecord("dc-d", { sequence: 2 })], 12_101),
    ).toEqual([{ name: "dc-d", state: "INACTIVE", previous: "ACTIVE" }]);
  });

  it("takes DRAINING and INACTIVE from the record", () => {
    const view = new DatacenterView(lease, "dc-a");
    view.observe([testRecord("dc-b", { state: "DRAINING", drainUntilMs: 5 })], 0);
    expect(view.get("dc-b")?.state).toBe("DRAINING");
    view.observe([testRecord("dc-b", { state: "INACTIVE", sequence: 2 })], 10);
    expect(view.get("dc-b")?.state).toBe("INACTIVE");
    expect(view.get("dc-x")).toBeUndefined();
  });
});
