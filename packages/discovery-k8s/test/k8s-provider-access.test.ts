import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { KubernetesDiscoveryProvider } from "@tsakt/discovery-k8s";
import { skipWithoutBinary } from "@tsakt/test-servers";
import { eventually } from "@tsakt/testkit";
import { describe, expect, it } from "vitest";
import type { FakeKubernetesApi } from "./pod-backed-harness.js";
import { kubeConfigFor } from "./pod-backed-harness.js";
import { addRunning, fakeApi, names, onCleanup, provider } from "./provider-helpers.js";

/** Sets environment variables for one test and restores them after it (this test file runs in its own worker). */
function withEnv(vars: Record<string, string | undefined>): void {
  const saved = Object.fromEntries(Object.keys(vars).map((k) => [k, process.env[k]]));
  const apply = (values: Record<string, string | undefined>): void => {
    for (const [k, v] of Object.entries(values)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  };
  apply(vars);
  onCleanup(() => apply(saved));
}

/** A directory laid out like a pod's mounted service account: token (no newline, as Kubernetes writes it), ca.crt, namespace. */
function serviceAccountDir(api: FakeKubernetesApi, token: string, namespace: string): string {
  const dir = mkdtempSync(join(tmpdir(), "tsakt-sa-"));
  onCleanup(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, "token"), token);
  writeFileSync(join(dir, "ca.crt"), api.caCertificate);
  writeFileSync(join(dir, "namespace"), namespace);
  return dir;
}

async function registerError(p: KubernetesDiscoveryProvider): Promise<Error> {
  return (await p.register({ name: "orders-9", host: "127.0.0.1", port: 9009 }).catch((e: unknown) => e)) as Error;
}

// The fake API server makes its certificates with the openssl CLI (under CI a missing openssl fails instead of skipping).
describe.skipIf(skipWithoutBinary("openssl"))("KubernetesDiscoveryProvider: TLS, credentials and RBAC", () => {
  it("runs in-cluster style: KUBERNETES_SERVICE_HOST/PORT plus the service account's token, CA and namespace files", async () => {
    const api = await fakeApi();
    addRunning(api, "orders-0", 9000, { namespace: "shop" });
    addRunning(api, "orders-1", 9001, { namespace: "shop" });
    addRunning(api, "orders-x", 9002);
    const token = api.serviceAccountToken({ namespace: "shop", name: "orders", verbs: ["list", "watch"], namespaces: ["shop"] });
    const dir = serviceAccountDir(api, token, "shop");
    withEnv({ KUBECONFIG: undefined, KUBERNETES_SERVICE_HOST: "127.0.0.1", KUBERNETES_SERVICE_PORT: String(api.port) });

    for (const watch of [false, true]) {
      const p = new KubernetesDiscoveryProvider({ labelSelector: "app=orders", serviceAccountDir: dir, watch });
      onCleanup(() => p.close());
      expect(p.namespace).toBe("shop");
      await p.register({ name: "orders-0", host: "127.0.0.1", port: 9000 });
      expect(await names(p)).toEqual(["orders-1"]);
    }
  });

  it("authenticates with a client certificate from the kubeconfig, for lists and for its watch", async () => {
    const api = await fakeApi();
    addRunning(api, "orders-0", 9000);
    const certificate = await api.clientCertificate({ user: "tsakt-node", groups: ["tsakt"], verbs: ["list", "watch"] });
    const p = provider(api, { kubeConfig: kubeConfigFor(api, undefined, { clientCertificate: certificate }), watch: true });
    await p.register({ name: "orders-9", host: "127.0.0.1", port: 9009 });
    expect(await names(p)).toEqual(["orders-0"]);
    addRunning(api, "orders-1", 9001);
    await eventually("orders-1 to arrive through the watch", async () => (await names(p)).includes("orders-1"));
  });

  it("fails register with the API's 403 and an RBAC hint when the service account may not list pods", async () => {
    const api = await fakeApi();
    const token = api.serviceAccountToken({ name: "getter", verbs: ["get"] });
    const error = await registerError(provider(api, { kubeConfig: kubeConfigFor(api, undefined, { token }) }));
    expect(error).toMatchObject({ name: "DiscoveryUnavailableError", code: "DiscoveryUnavailable" });
    expect(error.message).toContain('403: pods is forbidden: User "system:serviceaccount:default:getter" cannot list resource "pods"');
    expect(error.message).toContain("RBAC permission to list and watch pods");
  });

  it("fails register with watch: true when the service account may list but not watch pods", async () => {
    const api = await fakeApi();
    addRunning(api, "orders-0", 9000);
    const token = api.serviceAccountToken({ name: "lister", verbs: ["list"] });
    const kubeConfig = kubeConfigFor(api, undefined, { token });
    expect(await names(provider(api, { kubeConfig }))).toEqual(["orders-0"]);

    const error = await registerError(provider(api, { kubeConfig, watch: true }));
    expect(error).toMatchObject({ name: "DiscoveryUnavailableError", code: "DiscoveryUnavailable" });
    expect(error.message).toContain("403 to the watch on pods");
    expect(error.message).toContain("RBAC permission to watch pods");
  });

  it("refuses to start without any cluster access: no kubeconfig, no service account", async () => {
    const home = mkdtempSync(join(tmpdir(), "tsakt-home-"));
    onCleanup(() => rmSync(home, { recursive: true, force: true }));
    withEnv({ KUBECONFIG: undefined, HOME: home, KUBERNETES_SERVICE_HOST: undefined });
    expect(() => new KubernetesDiscoveryProvider({ labelSelector: "app=orders", serviceAccountDir: join(home, "none") })).toThrow(
      expect.objectContaining({ name: "InvalidConfigError", field: "kubeConfig" }),
    );
  });
});
