import { mkdtempSync, rmSync } from "node:fs";
import { rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runDiscoveryConformance } from "@tsakt/discovery/testing";
import { afterAll, describe, expect, it } from "vitest";
import { FileDiscoveryProvider } from "../src/file-provider.js";

const dir = mkdtempSync(join(tmpdir(), "tsakt-file-discovery-test-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const path = join(dir, "peers.json");

runDiscoveryConformance("file", {
  create: () => new FileDiscoveryProvider({ path, ttlMs: 3000, heartbeatMs: 200 }),
  // Losing the file is this backend's restart: every node must write itself back.
  restartBackend: () => rm(path, { force: true }),
  settleMs: 3000,
  invalidConfigs: [
    { field: "path", create: () => new FileDiscoveryProvider({ path: "" }) },
    { field: "ttlMs", create: () => new FileDiscoveryProvider({ path, ttlMs: -1 }) },
    { field: "heartbeatMs", create: () => new FileDiscoveryProvider({ path, ttlMs: 1000, heartbeatMs: 1000 }) },
  ],
});

describe("FileDiscoveryProvider", () => {
  it("ignores entries whose heartbeat is older than the TTL, and malformed entries", async () => {
    const stalePath = join(dir, "stale.json");
    const now = Date.now();
    await writeFile(
      stalePath,
      JSON.stringify({
        version: 1,
        nodes: {
          fresh: { node: { name: "fresh", host: "127.0.0.1", port: 1 }, heartbeat: now },
          stale: { node: { name: "stale", host: "127.0.0.1", port: 2 }, heartbeat: now - 60_000 },
          broken: { node: { name: "broken", host: "127.0.0.1", port: -1 }, heartbeat: now },
        },
      }),
    );
    const reader = new FileDiscoveryProvider({ path: stalePath, ttlMs: 5000 });
    try {
      expect((await reader.discoverPeers()).map((n) => n.name)).toEqual(["fresh"]);
    } finally {
      await reader.close();
    }
  });

  it("reports a file that is not a peer file as DiscoveryUnavailableError", async () => {
    const badPath = join(dir, "bad.json");
    await writeFile(badPath, "not json");
    const reader = new FileDiscoveryProvider({ path: badPath });
    try {
      await expect(reader.discoverPeers()).rejects.toMatchObject({ name: "DiscoveryUnavailableError", code: "DiscoveryUnavailable" });
    } finally {
      await reader.close();
    }
  });
});
