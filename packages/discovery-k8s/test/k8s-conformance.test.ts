import { CoreV1Api, type KubeConfig } from "@kubernetes/client-node";
import { runDiscoveryConformance } from "@tsakt/discovery/testing";
import { KubernetesDiscoveryProvider } from "@tsakt/discovery-k8s";
import { afterAll, beforeAll } from "vitest";
import { type FakeKubernetesApi, kubeConfigFor, podBackedFactory, startFakeKubernetesApi } from "./pod-backed-harness.js";

let api: FakeKubernetesApi;
beforeAll(async () => {
  api = await startFakeKubernetesApi();
});
afterAll(async () => {
  await api.stop();
});

for (const watch of [false, true]) {
  const labels = { "app.kubernetes.io/name": "tsakt-conformance", mode: watch ? "watch" : "list" };
  runDiscoveryConformance(watch ? "k8s (list+watch cache)" : "k8s", {
    create: ({ nodes }) => podBackedFactory(api, labels, { watch })(nodes),
    invalidConfigs: [
      { field: "labelSelector", create: () => new KubernetesDiscoveryProvider({ kubeConfig: kubeConfigFor(api) } as never) },
      {
        field: "labelSelector",
        create: () => new KubernetesDiscoveryProvider({ kubeConfig: kubeConfigFor(api), labelSelector: "app=(x" }),
      },
      {
        field: "portName",
        create: () =>
          new KubernetesDiscoveryProvider({ kubeConfig: kubeConfigFor(api), labelSelector: "app=x", portName: "Remoting_Port" }),
      },
      {
        field: "namespace",
        create: () => new KubernetesDiscoveryProvider({ kubeConfig: kubeConfigFor(api), labelSelector: "app=x", namespace: "Team A" }),
      },
      {
        field: "watch",
        create: () =>
          new KubernetesDiscoveryProvider({ api: kubeConfigFor(api).makeApiClient(CoreV1Api), labelSelector: "app=x", watch: true }),
      },
      { field: "kubeConfig", create: () => new KubernetesDiscoveryProvider({ kubeConfig: {} as KubeConfig, labelSelector: "app=x" }) },
      {
        field: "requireReady",
        create: () =>
          new KubernetesDiscoveryProvider({ kubeConfig: kubeConfigFor(api), labelSelector: "app=x", requireReady: "yes" as never }),
      },
      {
        field: "serviceAccountDir",
        create: () => new KubernetesDiscoveryProvider({ kubeConfig: kubeConfigFor(api), labelSelector: "app=x", serviceAccountDir: "" }),
      },
      {
        field: "selector",
        create: () => new KubernetesDiscoveryProvider({ kubeConfig: kubeConfigFor(api), labelSelector: "app=x", selector: "x" } as never),
      },
    ],
    // An API server restart drops connections and watches; the pods live on in etcd.
    restartBackend: () => api.restart(),
  });
}
