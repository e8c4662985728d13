import { request as httpRequest } from "node:http";
import { skipWithoutBinary } from "@tsakt/test-servers";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestCertificateAuthority, type FakeKubernetesApi, startFakeKubernetesApi } from "../src/index.js";
import { call, openWatch, type WatchEvent } from "./support/https-client.js";

const podsPath = "/api/v1/namespaces/default/pods";

// The fake makes its certificates with the openssl CLI (under CI a missing openssl is a failure, not a skip).
describe.skipIf(skipWithoutBinary("openssl"))("fake Kubernetes API: TLS, authentication, RBAC and discovery", () => {
  let api: FakeKubernetesApi;

  beforeAll(async () => {
    api = await startFakeKubernetesApi();
    api.addPod({ name: "a", labels: { app: "tsakt" } });
    api.addPod({ name: "b", namespace: "team-b", labels: { app: "tsakt" } });
  });

  afterAll(async () => {
    await api?.stop();
  });

  it("serves HTTPS only, with a certificate for 127.0.0.1 that its own CA signed", async () => {
    expect(api.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    expect((await call(api, podsPath)).status).toBe(200);
    const otherCa = await createTestCertificateAuthority("someone-else");
    await expect(call(api, podsPath, { ca: otherCa.cert })).rejects.toThrow(/self.signed|unable to verify|certificate/i);
    const plain = await new Promise<string>((resolve) => {
      const req = httpRequest(`http://127.0.0.1:${api.port}${podsPath}`, { headers: { Authorization: `Bearer ${api.token}` } });
      req.on("response", (res) => resolve(`answered ${res.statusCode}`));
      req.on("error", (error) => resolve(`failed: ${error.message}`));
      req.end();
    });
    expect(plain).not.toBe("answered 200");
  });

  it("rejects an unknown bearer token with 401", async () => {
    const res = await call(api, podsPath, { token: "wrong" });
    expect(res.status).toBe(401);
    expect(res.json()).toEqual({
      kind: "Status",
      apiVersion: "v1",
      metadata: {},
      status: "Failure",
      message: "Unauthorized",
      reason: "Unauthorized",
      code: 401,
    });
  });

  it("authenticates a client certificate as its CN and applies that user's grant", async () => {
    const reader = await api.clientCertificate({ user: "alice", verbs: ["list"], namespaces: ["default"] });
    const res = await call(api, podsPath, { token: null, clientCertificate: reader });
    expect(res.status).toBe(200);
    expect(res.json().items.map((p: any) => p.metadata.name)).toEqual(["a"]);
    const elsewhere = await call(api, "/api/v1/namespaces/team-b/pods", { token: null, clientCertificate: reader });
    expect([elsewhere.status, elsewhere.json().message]).toEqual([
      403,
      'pods is forbidden: User "alice" cannot list resource "pods" in API group "" in the namespace "team-b"',
    ]);
    const admin = await api.clientCertificate({ user: "root", groups: ["system:masters"], verbs: [] });
    expect((await call(api, "/api/v1/pods", { token: null, clientCertificate: admin })).status).toBe(200);
  });

  it("rejects a client certificate from another CA with 401", async () => {
    const otherCa = await createTestCertificateAuthority("someone-else");
    const forged = await otherCa.issue({ commonName: "system:admin", organizations: ["system:masters"], usage: "client" });
    expect((await call(api, podsPath, { token: null, clientCertificate: forged })).status).toBe(401);
  });

  it("answers 403 to a service account without the list or watch right, worded as RBAC words it", async () => {
    const getter = api.serviceAccountToken({ name: "getter", verbs: ["get"] });
    expect((await call(api, `${podsPath}/a`, { token: getter })).status).toBe(200);
    const list = await call(api, podsPath, { token: getter });
    expect(list.status).toBe(403);
    expect(list.json()).toEqual({
      kind: "Status",
      apiVersion: "v1",
      metadata: {},
      status: "Failure",
      message:
        'pods is forbidden: User "system:serviceaccount:default:getter" cannot list resource "pods" in API group "" in the namespace "default"',
      reason: "Forbidden",
      details: { kind: "pods" },
      code: 403,
    });
    const lister = api.serviceAccountToken({ name: "lister", verbs: ["list"] });
    expect((await call(api, podsPath, { token: lister })).status).toBe(200);
    const watch = await call(api, `${podsPath}?watch=true`, { token: lister });
    expect([watch.status, watch.json().message]).toEqual([
      403,
      'pods is forbidden: User "system:serviceaccount:default:lister" cannot watch resource "pods" in API group "" in the namespace "default"',
    ]);
  });

  it("treats a request without credentials as system:anonymous: /version is open, pods and discovery are not", async () => {
    expect((await call(api, "/version", { token: null })).status).toBe(200);
    const discovery = await call(api, "/api", { token: null });
    expect([discovery.status, discovery.json().message]).toEqual([403, 'forbidden: User "system:anonymous" cannot get path "/api"']);
    expect((await call(api, podsPath, { token: null })).json().message).toContain('User "system:anonymous" cannot list');
    expect((await call(api, "/apis/apps/v1", { token: null })).status).toBe(403);
  });

  it("serves the discovery documents kubectl reads: /version, /api, /apis and /api/v1", async () => {
    expect((await call(api, "/version")).json()).toMatchObject({ major: "1", minor: "32", gitVersion: expect.stringMatching(/^v1\.32\./) });
    expect((await call(api, "/api")).json()).toMatchObject({ kind: "APIVersions", versions: ["v1"] });
    expect((await call(api, "/apis")).json()).toEqual({ kind: "APIGroupList", apiVersion: "v1", groups: [] });
    const v1 = (await call(api, "/api/v1")).json();
    expect(v1).toMatchObject({ kind: "APIResourceList", groupVersion: "v1" });
    expect(v1.resources).toEqual([
      expect.objectContaining({
        name: "pods",
        namespaced: true,
        kind: "Pod",
        verbs: ["delete", "get", "list", "watch"],
        shortNames: ["po"],
      }),
    ]);
    expect((await call(api, "/apis/apps/v1")).status).toBe(404);
  });

  it("prints pods as a server-side Table when asked, with the column headers only on a watch's first event", async () => {
    const accept = "application/json;as=Table;v=v1;g=meta.k8s.io,application/json";
    const list = await call(api, `${podsPath}?labelSelector=app%3Dtsakt`, { accept });
    expect(list.headers["content-type"]).toBe("application/json;as=Table;v=v1;g=meta.k8s.io");
    const table = list.json();
    expect(table).toMatchObject({ kind: "Table", apiVersion: "meta.k8s.io/v1" });
    expect(table.columnDefinitions.map((c: any) => c.name).slice(0, 5)).toEqual(["Name", "Ready", "Status", "Restarts", "Age"]);
    expect(table.rows).toEqual([
      {
        cells: ["a", "1/1", "Running", "0", expect.stringMatching(/^\d+s$/), "127.0.0.1", "fake-node-1", "<none>", "<none>"],
        object: { kind: "PartialObjectMetadata", apiVersion: "meta.k8s.io/v1", metadata: expect.objectContaining({ name: "a" }) },
      },
    ]);
    const watch = await openWatch(api, `resourceVersion=${table.metadata.resourceVersion}`, { accept });
    api.addPod({ name: "c" });
    api.deletePod("c", { gracePeriodMs: 60_000 });
    const [added, terminating] = [(await watch.next()) as WatchEvent, (await watch.next()) as WatchEvent];
    watch.close();
    expect(added.object.columnDefinitions).toHaveLength(9);
    expect(terminating.object.columnDefinitions).toBeNull();
    expect(terminating.object.rows[0].cells.slice(0, 3)).toEqual(["c", "1/1", "Terminating"]);
    api.deletePod("c", { gracePeriodMs: 0 });
  });
});
