import { describe, expect, it } from "vitest";
import type { GrainDirectory } from "./directory.js";
import type { GrainIdentity } from "./identity.js";

/** What a directory's test file hands to runGrainDirectoryConformance. */
export interface GrainDirectoryHarness {
  /** A fresh, empty directory; each test gets its own (close it in your afterEach if it holds connections). */
  create(): GrainDirectory | Promise<GrainDirectory>;
}

const nodeA = "tsakt://conformance@10.0.0.1:4000";
const nodeB = "tsakt://conformance@10.0.0.2:4000";

/** Registers vitest tests (describe/it/expect from "vitest") that check a directory against the GrainDirectory contract. */
export function runGrainDirectoryConformance(name: string, harness: GrainDirectoryHarness): void {
  let serial = 0;
  // Identities are unique per test, so a backend shared between tests cannot leak one test's claims into another.
  const identity = (kind = "account"): GrainIdentity => ({ kind, id: `conformance-${process.pid}-${++serial}` });

  describe(`${name} grain directory conformance`, () => {
    it("has a non-empty name", async () => {
      const directory = await harness.create();
      expect(typeof directory.name).toBe("string");
      expect(directory.name.length).toBeGreaterThan(0);
    });

    it("knows no owner for an identity nobody claimed", async () => {
      const directory = await harness.create();
      expect(await directory.lookup(identity())).toBeUndefined();
    });

    it("gives a free identity to the first claimer and reports it as the owner", async () => {
      const directory = await harness.create();
      const grain = identity();
      expect(await directory.claim(grain, nodeA)).toBe(nodeA);
      expect(await directory.lookup(grain)).toBe(nodeA);
    });

    it("keeps the first owner when another node claims the identity", async () => {
      const directory = await harness.create();
      const grain = identity();
      await directory.claim(grain, nodeA);
      expect(await directory.claim(grain, nodeB)).toBe(nodeA);
      expect(await directory.lookup(grain)).toBe(nodeA);
    });

    it("lets the owner claim again harmlessly", async () => {
      const directory = await harness.create();
      const grain = identity();
      await directory.claim(grain, nodeA);
      expect(await directory.claim(grain, nodeA)).toBe(nodeA);
    });

    it("picks exactly one winner among concurrent claims", async () => {
      const directory = await harness.create();
      const grain = identity();
      const owners = await Promise.all([nodeA, nodeB, nodeA, nodeB].map((node) => directory.claim(grain, node)));
      expect(new Set(owners).size).toBe(1);
      expect(await directory.lookup(grain)).toBe(owners[0]);
    });

    it("ignores a release by a node that does not own the identity", async () => {
      const directory = await harness.create();
      const grain = identity();
      await directory.claim(grain, nodeA);
      expect(await directory.release(grain, nodeB)).toBe(false);
      expect(await directory.lookup(grain)).toBe(nodeA);
    });

    it("frees an identity its owner releases, so another node can claim it", async () => {
      const directory = await harness.create();
      const grain = identity();
      await directory.claim(grain, nodeA);
      expect(await directory.release(grain, nodeA)).toBe(true);
      expect(await directory.lookup(grain)).toBeUndefined();
      expect(await directory.release(grain, nodeA)).toBe(false);
      expect(await directory.claim(grain, nodeB)).toBe(nodeB);
    });

    it("keeps identities of different kinds with the same id apart", async () => {
      const directory = await harness.create();
      const account = identity("account");
      const user = { kind: "user", id: account.id };
      await directory.claim(account, nodeA);
      expect(await directory.lookup(user)).toBeUndefined();
      expect(await directory.claim(user, nodeB)).toBe(nodeB);
      expect(await directory.lookup(account)).toBe(nodeA);
    });

    it("keeps ids with slashes and non-ASCII characters apart", async () => {
      const directory = await harness.create();
      const base = identity();
      const slashed = { kind: base.kind, id: `${base.id}/x` };
      const accented = { kind: base.kind, id: `${base.id}-é` };
      await directory.claim(slashed, nodeA);
      expect(await directory.lookup(base)).toBeUndefined();
      expect(await directory.claim(accented, nodeB)).toBe(nodeB);
      expect(await directory.lookup(slashed)).toBe(nodeA);
    });
  });
}
