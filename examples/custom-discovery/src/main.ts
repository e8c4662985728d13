import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { FileDiscoveryProvider } from "./file-provider.js";

const dir = await mkdtemp(join(tmpdir(), "tsakt-file-discovery-"));
const path = join(dir, "peers.json");
const alpha = new FileDiscoveryProvider({ path, ttlMs: 5000 });
const beta = new FileDiscoveryProvider({ path, ttlMs: 5000 });
try {
  await alpha.register({ name: "alpha", host: "127.0.0.1", port: 4001, roles: ["web"] });
  await beta.register({ name: "beta", host: "127.0.0.1", port: 4002 });
  for (const [name, provider] of [
    ["alpha", alpha],
    ["beta", beta],
  ] as const) {
    const peers = await provider.discoverPeers();
    console.log(`${name} sees: ${peers.map((p) => `${p.name}@${p.host}:${p.port}`).join(", ")}`);
  }
  await beta.deregister();
  console.log(`after beta deregisters, alpha sees ${(await alpha.discoverPeers()).length} peer(s)`);
} finally {
  await Promise.all([alpha.close(), beta.close()]);
  await rm(dir, { recursive: true, force: true });
}
