import { afterEach, describe, expect, it } from "vitest";
import type { ControlPlane } from "./control-plane.js";
import type { DatacenterRecord } from "./record.js";

export { type ControlPlane, InMemoryControlPlane } from "./control-plane.js";
export type { DatacenterRecord, DatacenterState } from "./record.js";

/** How `runControlPlaneConformance` builds control planes. */
export interface ControlPlaneHarness {
  /** A fresh control plane; two calls within one test must share one store (as two nodes would). */
  create(): ControlPlane | Promise<ControlPlane>;
  /** Empties the store before each test, when the harness shares a server between tests. Default: none. */
  reset?(): Promise<void>;
}

/** A record for tests: datacenter `name` with the given fields. */
export function testRecord(name: string, fields: Partial<DatacenterRecord> = {}): DatacenterRecord {
  return {
    name,
    labels: { region: "test" },
    system: "sys",
    endpoints: ["127.0.0.1:1"],
    state: "ACTIVE",
    heartbeatAtMs: 1,
    sequence: 1,
    ...fields,
  };
}

/** Registers vitest tests that check a ControlPlane (in-memory, NATS, etcd, or your own) against the seam's contract. */
export function runControlPlaneConformance(name: string, harness: ControlPlaneHarness): void {
  describe(`${name} control plane conformance`, () => {
    const opened: ControlPlane[] = [];
    afterEach(async () => {
      await Promise.all(opened.splice(0).map((c) => c.close()));
    });
    async function open(): Promise<ControlPlane> {
      if (opened.length === 0) await harness.reset?.();
      const plane = await harness.create();
      opened.push(plane);
      return plane;
    }
    const byName = (records: DatacenterRecord[]) => [...records].sort((a, b) => a.name.localeCompare(b.name));

    it("lists what was put, field for field, to another client of the same store", async () => {
      const [writer, reader] = [await open(), await open()];
      const a = testRecord("dc-a", { labels: { region: "eu", zone: "b" }, endpoints: ["127.0.0.1:7001", "127.0.0.1:7002"], sequence: 7 });
      const b = testRecord("dc-b", { state: "DRAINING", drainUntilMs: 1234 });
      await writer.put(a);
      await writer.put(b);
      expect(byName(await reader.list())).toEqual([a, b]);
    });

    it("replaces a datacenter's record on put", async () => {
      const [writer, reader] = [await open(), await open()];
      await writer.put(testRecord("dc-a", { sequence: 1, state: "REGISTERED" }));
      await writer.put(testRecord("dc-a", { sequence: 2, state: "ACTIVE" }));
      const records = await reader.list();
      expect(records).toHaveLength(1);
      expect(records[0]).toMatchObject({ sequence: 2, state: "ACTIVE" });
    });

    it("removes a record, and removing a missing one is a no-op", async () => {
      const plane = await open();
      await plane.put(testRecord("dc-a"));
      await plane.put(testRecord("dc-b"));
      await plane.remove("dc-a");
      await plane.remove("dc-none");
      expect((await plane.list()).map((r) => r.name)).toEqual(["dc-b"]);
    });

    it("rejects calls after close", async () => {
      const plane = await open();
      await plane.close();
      await expect(plane.list()).rejects.toThrow();
    });
  });
}
