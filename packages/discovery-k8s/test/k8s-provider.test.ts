import { CoreV1Api, KubeConfig } from "@kubernetes/client-node";
import { type KubernetesDiscoveryOptions, KubernetesDiscoveryProvider } from "@tsakt/discovery-k8s";
import { skipWithoutBinary } from "@tsakt/test-servers";
import { eventually } from "@tsakt/testkit";
import { describe, expect, it } from "vitest";
import { kubeConfigFor } from "./pod-backed-harness.js";
import { addRunning, fakeApi, labels, names, onCleanup, provider } from "./provider-helpers.js";

// The fake API server makes its certificates with the openssl CLI (under CI a missing openssl fails instead of skipping).
describe.skipIf(skipWithoutBinary("openssl"))("KubernetesDiscoveryProvider", () => {
  it("returns the Running, Ready pods carrying the named port, as nodes named after their pods", async () => {
    const api = await fakeApi();
    addRunning(api, "orders-0", 9000, { podIP: "10.1.0.5" });
    addRunning(api, "orders-1", 9001);
    api.addPod({ name: "orders-pending", labels, phase: "Pending", ports: [{ name: "remoting", containerPort: 9002 }] });
    addRunning(api, "orders-not-ready", 9003, { ready: false });
    addRunning(api, "orders-terminating", 9004, { terminating: true });
    api.addPod({ name: "orders-no-port", labels, ports: [{ name: "http", containerPort: 8080 }] });
    api.addPod({ name: "orders-failed", labels, phase: "Failed", podIP: "10.1.0.9", ports: [{ name: "remoting", containerPort: 9005 }] });
    addRunning(api, "billing-0", 9006, { labels: { app: "billing" } });
    addRunning(api, "orders-elsewhere", 9007, { namespace: "other" });

    expect(await provider(api).discoverPeers()).toEqual([
      { name: "orders-0", host: "10.1.0.5", port: 9000 },
      { name: "orders-1", host: "127.0.0.1", port: 9001 },
    ]);
    expect(await names(provider(api, { requireReady: false }))).toEqual(["orders-0", "orders-1", "orders-not-ready"]);
  });

  it("takes the container port named by portName and roles from the roles annotation", async () => {
    const api = await fakeApi();
    api.addPod({
      name: "orders-0",
      labels,
      ports: [
        { name: "http", containerPort: 8080 },
        { name: "cluster", containerPort: 7355 },
      ],
      annotations: { "tsakt.io/roles": "api, worker,", "example.com/roles": "x" },
    });
    expect(await provider(api, { portName: "cluster" }).discoverPeers()).toEqual([
      { name: "orders-0", host: "127.0.0.1", port: 7355, roles: ["api", "worker"] },
    ]);
    expect(await provider(api, { portName: "cluster", rolesAnnotation: "example.com/roles" }).discoverPeers()).toEqual([
      { name: "orders-0", host: "127.0.0.1", port: 7355, roles: ["x"] },
    ]);
  });

  it("leaves itself out by pod name and by address once registered", async () => {
    const api = await fakeApi();
    addRunning(api, "orders-0", 9000);
    addRunning(api, "orders-1", 9001);
    addRunning(api, "orders-2", 9002, { podIP: "10.1.0.2" });
    const byName = provider(api);
    await byName.register({ name: "orders-0", host: "127.0.0.1", port: 9000 });
    expect(await names(byName)).toEqual(["orders-1", "orders-2"]);
    // A node named differently from its pod still never sees its own address.
    const byAddress = provider(api);
    await byAddress.register({ name: "node-b", host: "10.1.0.2", port: 9002 });
    expect(await names(byAddress)).toEqual(["orders-0", "orders-1"]);
    await byAddress.deregister();
    expect(await names(byAddress)).toEqual(["orders-0", "orders-1", "orders-2"]);
  });

  it("defaults the namespace to the kubeconfig context's namespace", async () => {
    const api = await fakeApi();
    addRunning(api, "orders-0", 9000, { namespace: "team-a" });
    addRunning(api, "orders-1", 9001);
    const p = new KubernetesDiscoveryProvider({ kubeConfig: kubeConfigFor(api, "team-a"), labelSelector: "app=orders" });
    onCleanup(() => p.close());
    expect(p.namespace).toBe("team-a");
    expect(await names(p)).toEqual(["orders-0"]);
    expect(provider(api).namespace).toBe("default");
  });

  it("lists through a CoreV1Api it was given and leaves it usable after close", async () => {
    const api = await fakeApi();
    addRunning(api, "orders-0", 9000);
    const client = kubeConfigFor(api).makeApiClient(CoreV1Api);
    const p = new KubernetesDiscoveryProvider({ api: client, labelSelector: "app=orders" });
    expect(await names(p)).toEqual(["orders-0"]);
    await p.close();
    expect((await client.listNamespacedPod({ namespace: "default" })).items).toHaveLength(1);
  });

  it("reports rejected credentials as DiscoveryUnavailableError that names the HTTP status", async () => {
    const api = await fakeApi();
    const kc = new KubeConfig();
    kc.loadFromString(api.kubeconfig().replace(api.token, "wrong-token"));
    const p = new KubernetesDiscoveryProvider({ kubeConfig: kc, labelSelector: "app=orders" });
    onCleanup(() => p.close());
    const error = (await p.register({ name: "orders-0", host: "127.0.0.1", port: 9000 }).catch((e: unknown) => e)) as Error;
    expect(error).toMatchObject({ name: "DiscoveryUnavailableError", code: "DiscoveryUnavailable" });
    expect(error.message).toContain("401");
    expect((error.cause as Error).cause).toMatchObject({ code: 401 });
  });

  it("reports an unreachable API server as DiscoveryUnavailableError", async () => {
    const api = await fakeApi();
    const kc = kubeConfigFor(api);
    await api.stop();
    const p = new KubernetesDiscoveryProvider({ kubeConfig: kc, labelSelector: "app=orders", watch: true });
    onCleanup(() => p.close());
    const error = await p.discoverPeers().catch((e: unknown) => e);
    expect(error).toMatchObject({ name: "DiscoveryUnavailableError", code: "DiscoveryUnavailable" });
  });
});

/**
 * Opt-in checks against a real cluster: TSAKT_K8S_REAL=1 with KUBECONFIG, TSAKT_K8S_SELECTOR (required)
 * and optionally TSAKT_K8S_NAMESPACE and TSAKT_K8S_PORT_NAME. They only read pods; they never create any.
 */
const realCluster = process.env.TSAKT_K8S_REAL === "1" && Boolean(process.env.KUBECONFIG);
if (realCluster) {
  describe("KubernetesDiscoveryProvider against the real cluster in KUBECONFIG", () => {
    function realOptions(): KubernetesDiscoveryOptions {
      const labelSelector = process.env.TSAKT_K8S_SELECTOR;
      if (!labelSelector) throw new Error("TSAKT_K8S_SELECTOR must name the label selector of pods to discover");
      const kubeConfig = new KubeConfig();
      kubeConfig.loadFromDefault();
      return {
        kubeConfig,
        labelSelector,
        ...(process.env.TSAKT_K8S_NAMESPACE ? { namespace: process.env.TSAKT_K8S_NAMESPACE } : {}),
        ...(process.env.TSAKT_K8S_PORT_NAME ? { portName: process.env.TSAKT_K8S_PORT_NAME } : {}),
      };
    }

    it("lists the selected Running pods that carry the port as nodes with an address", async () => {
      const options = realOptions();
      const p = new KubernetesDiscoveryProvider(options);
      onCleanup(() => p.close());
      const nodes = await p.discoverPeers();
      const pods = await options
        .kubeConfig!.makeApiClient(CoreV1Api)
        .listNamespacedPod({ namespace: p.namespace, labelSelector: options.labelSelector });
      const running = new Set(pods.items.filter((pod) => pod.status?.phase === "Running").map((pod) => pod.metadata?.name));
      for (const node of nodes) {
        expect(running.has(node.name)).toBe(true);
        expect(node.host.length).toBeGreaterThan(0);
        expect(node.port).toBeGreaterThanOrEqual(1);
      }
    });

    it("registers (the credentials may list pods) and agrees between its watch cache and a fresh list", async () => {
      const options = realOptions();
      const listed = new KubernetesDiscoveryProvider(options);
      const watched = new KubernetesDiscoveryProvider({ ...options, watch: true });
      onCleanup(() => listed.close());
      onCleanup(() => watched.close());
      await listed.register({ name: "tsakt-conformance-probe", host: "192.0.2.1", port: 1 });
      const expected = await listed.discoverPeers();
      await eventually(
        "the watch cache to match a list",
        async () => JSON.stringify(await watched.discoverPeers()) === JSON.stringify(expected),
        { timeoutMs: 20_000 },
      );
    });
  });
}
