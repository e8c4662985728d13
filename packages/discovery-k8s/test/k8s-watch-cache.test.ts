import { skipWithoutBinary } from "@tsakt/test-servers";
import { eventually } from "@tsakt/testkit";
import { describe, expect, it } from "vitest";
import { addRunning, fakeApi, labels, names, provider } from "./provider-helpers.js";

// The fake API server makes its certificates with the openssl CLI (under CI a missing openssl fails instead of skipping).
describe.skipIf(skipWithoutBinary("openssl"))("KubernetesDiscoveryProvider with watch: true (list+watch cache)", () => {
  it("resumes from the version its last bookmark carried, so a compaction after unrelated changes needs no new list", async () => {
    const api = await fakeApi({ bookmarkIntervalMs: 100 });
    addRunning(api, "orders-0", 9000);
    const p = provider(api, { watch: true });
    await p.register({ name: "orders-0", host: "127.0.0.1", port: 9000 });
    const lists = api.listRequests;
    // Pods outside the selection move the resource version; only a bookmark tells the provider about it.
    api.addPod({ name: "billing-0", labels: { app: "billing" } });
    api.addPod({ name: "billing-1", labels: { app: "billing" } });
    const bookmarks = api.bookmarksSent;
    await eventually("a bookmark after those changes", () => api.bookmarksSent > bookmarks);
    api.endWatches();
    api.compactHistory();

    await eventually("the watch to reopen", () => api.activeWatches === 1);
    addRunning(api, "orders-1", 9001);
    await eventually("orders-1 to arrive through the resumed watch", async () => (await names(p)).includes("orders-1"));
    expect(api.listRequests).toBe(lists);
  });

  it("drops a pod as soon as its graceful deletion starts, while it still terminates", async () => {
    const api = await fakeApi();
    addRunning(api, "orders-0", 9000);
    addRunning(api, "orders-1", 9001);
    const watching = provider(api, { watch: true });
    await eventually("the watch to see both pods", async () => (await names(watching)).length === 2 && api.activeWatches === 1);

    expect(api.deletePod("orders-1", { gracePeriodMs: 60_000 })).toBe(true);
    await eventually("orders-1 to leave the watch cache", async () => !(await names(watching)).includes("orders-1"));
    expect(api.pod("orders-1")?.metadata.deletionTimestamp).toEqual(expect.any(String));
    expect(await names(provider(api))).toEqual(["orders-0"]);
  });

  it("follows pod changes through its watch without listing again", async () => {
    const api = await fakeApi();
    addRunning(api, "orders-0", 9000);
    addRunning(api, "orders-1", 9001);
    const p = provider(api, { watch: true });
    await eventually("the first sync", async () => (await names(p)).length === 2);
    await eventually("the watch to open", () => api.activeWatches === 1);
    const lists = api.listRequests;

    api.deletePod("orders-1", { gracePeriodMs: 0 });
    await eventually("the deleted pod to disappear", async () => !(await names(p)).includes("orders-1"));
    api.updatePod("orders-0", { ready: false });
    await eventually("the unready pod to disappear", async () => (await names(p)).length === 0);
    api.addPod({ name: "orders-2", labels, phase: "Pending", ports: [{ name: "remoting", containerPort: 9002 }] });
    api.updatePod("orders-2", { phase: "Running" });
    await eventually("the started pod to appear", async () => (await names(p)).includes("orders-2"));
    expect(api.listRequests).toBe(lists);
  });

  it("lists again when its resourceVersion was compacted away (410 Gone) and catches up", async () => {
    const api = await fakeApi();
    addRunning(api, "orders-0", 9000);
    addRunning(api, "orders-1", 9001);
    const p = provider(api, { watch: true });
    await eventually("the watch to open", async () => (await names(p)).length === 2 && api.activeWatches === 1);
    const lists = api.listRequests;

    // In one tick: the watch ends (as on a server-side timeout), a change happens, and history is compacted,
    // so resuming from the old resourceVersion can only answer 410 Gone.
    api.endWatches();
    api.deletePod("orders-1", { gracePeriodMs: 0 });
    api.compactHistory();

    await eventually(
      "the provider to list again and drop orders-1",
      async () => api.listRequests > lists && !(await names(p)).includes("orders-1"),
    );
    await eventually("the watch to reopen", () => api.activeWatches === 1);
    addRunning(api, "orders-3", 9003);
    await eventually("a later pod to appear through the new watch", async () => (await names(p)).includes("orders-3"));
  });

  it("reconnects its watch after the API server restarts, listing again as after any broken stream", async () => {
    const api = await fakeApi();
    addRunning(api, "orders-0", 9000);
    const p = provider(api, { watch: true });
    await eventually("the watch to open", async () => (await names(p)).length === 1 && api.activeWatches === 1);
    const lists = api.listRequests;
    // A pod outside the selection moves the resource version past the last one the provider saw.
    api.addPod({ name: "billing-0", labels: { app: "billing" } });
    await api.restart();
    await eventually("the provider to list again", () => api.listRequests > lists, { timeoutMs: 8000 });
    await eventually("the watch to reopen", () => api.activeWatches === 1, { timeoutMs: 8000 });
    addRunning(api, "orders-1", 9001);
    await eventually("a pod added after the restart to appear", async () => (await names(p)).includes("orders-1"));
  });

  it("stops its watch on close", async () => {
    const api = await fakeApi();
    const p = provider(api, { watch: true });
    await p.discoverPeers();
    await eventually("the watch to open", () => api.activeWatches === 1);
    await p.close();
    await eventually("the watch to close", () => api.activeWatches === 0);
  });
});
