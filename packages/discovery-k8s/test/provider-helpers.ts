import type { DiscoveryProvider } from "@tsakt/discovery";
import { type KubernetesDiscoveryOptions, KubernetesDiscoveryProvider } from "@tsakt/discovery-k8s";
import type { FakeKubernetesApiOptions } from "@tsakt/protocol-fakes";
import { afterEach } from "vitest";
import { type FakeKubernetesApi, kubeConfigFor, runningPodFor, startFakeKubernetesApi } from "./pod-backed-harness.js";

const cleanup: Array<() => Promise<void> | void> = [];

afterEach(async () => {
  for (const fn of cleanup.splice(0).reverse()) await fn();
});

/** Runs `fn` after the current test, in reverse order of registration. */
export function onCleanup(fn: () => Promise<void> | void): void {
  cleanup.push(fn);
}

/** The label every pod of these tests carries. */
export const labels = { app: "orders" };

/** A fake API server stopped after the test. */
export async function fakeApi(options: FakeKubernetesApiOptions = {}): Promise<FakeKubernetesApi> {
  const api = await startFakeKubernetesApi(options);
  onCleanup(() => api.stop());
  return api;
}

/** A provider for app=orders on the fake (default token), closed after the test. */
export function provider(api: FakeKubernetesApi, options: Partial<KubernetesDiscoveryOptions> = {}): KubernetesDiscoveryProvider {
  const p = new KubernetesDiscoveryProvider({ kubeConfig: kubeConfigFor(api), labelSelector: "app=orders", ...options });
  onCleanup(() => p.close());
  return p;
}

/** The names of the provider's peers. */
export async function names(p: DiscoveryProvider): Promise<string[]> {
  return (await p.discoverPeers()).map((n) => n.name);
}

/** Adds a Running, Ready app=orders pod with the remoting port. */
export function addRunning(api: FakeKubernetesApi, name: string, port: number, extra: Record<string, unknown> = {}): void {
  api.addPod({ ...runningPodFor({ name, host: "127.0.0.1", port }, labels), ...extra });
}
