import type { PodVerb } from "./access-control.js";

/** The Kubernetes version the fake reports: the API it follows is v1.32's. */
export const fakeServerVersion = { major: "1", minor: "32", gitVersion: "v1.32.0+tsakt-fake" } as const;

/** GET /version, shaped like kube-apiserver's version.Info. */
export function versionDocument(): Record<string, string> {
  return {
    ...fakeServerVersion,
    gitCommit: "0000000000000000000000000000000000000000",
    gitTreeState: "clean",
    buildDate: "2024-12-11T00:00:00Z",
    goVersion: "go1.23.3",
    compiler: "gc",
    platform: "linux/amd64",
  };
}

/** GET /api: the legacy (core) group's versions. */
export function coreVersionsDocument(serverAddress: string): Record<string, unknown> {
  return {
    kind: "APIVersions",
    versions: ["v1"],
    serverAddressByClientCIDRs: [{ clientCIDR: "0.0.0.0/0", serverAddress }],
  };
}

/** GET /apis: the named groups; the fake serves none. */
export function groupListDocument(): Record<string, unknown> {
  return { kind: "APIGroupList", apiVersion: "v1", groups: [] };
}

/** GET /api/v1: the core v1 resources the fake serves, with the verbs it implements. */
export function coreV1ResourcesDocument(verbs: readonly PodVerb[]): Record<string, unknown> {
  return {
    kind: "APIResourceList",
    groupVersion: "v1",
    resources: [
      {
        name: "pods",
        singularName: "pod",
        namespaced: true,
        kind: "Pod",
        verbs: [...verbs].sort(),
        shortNames: ["po"],
        categories: ["all"],
      },
    ],
  };
}
