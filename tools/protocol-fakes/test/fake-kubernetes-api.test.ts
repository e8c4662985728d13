import { skipWithoutBinary } from "@tsakt/test-servers";
import { afterEach, describe, expect, it } from "vitest";
import { type FakeKubernetesApi, type FakeKubernetesApiOptions, startFakeKubernetesApi } from "../src/index.js";
import { call, type OpenWatch, openWatch, type WatchEvent } from "./support/https-client.js";

const servers: FakeKubernetesApi[] = [];
const watches: OpenWatch[] = [];

afterEach(async () => {
  for (const w of watches.splice(0)) w.close();
  await Promise.all(servers.splice(0).map((s) => s.stop()));
});

async function server(options: FakeKubernetesApiOptions = {}): Promise<FakeKubernetesApi> {
  const s = await startFakeKubernetesApi(options);
  servers.push(s);
  return s;
}

async function watch(api: FakeKubernetesApi, query: string): Promise<OpenWatch> {
  const w = await openWatch(api, query);
  watches.push(w);
  expect(w.status).toBe(200);
  return w;
}

async function events(w: OpenWatch, count: number): Promise<WatchEvent[]> {
  const got: WatchEvent[] = [];
  for (let i = 0; i < count; i++) got.push((await w.next()) as WatchEvent);
  return got;
}

function names(list: { items: Array<{ metadata: { name: string } }> }): string[] {
  return list.items.map((p) => p.metadata.name);
}

const podsPath = "/api/v1/namespaces/default/pods";

// The fake makes its certificates with the openssl CLI (under CI a missing openssl is a failure, not a skip).
describe.skipIf(skipWithoutBinary("openssl"))("fake Kubernetes API: pods, lists and watches", () => {
  it("lists pods matching an equality- and set-based label selector, with the list's resourceVersion", async () => {
    const api = await server();
    api.addPod({ name: "a", labels: { app: "tsakt", env: "prod" } });
    api.addPod({ name: "b", labels: { app: "tsakt", tier: "db", env: "dev" } });
    api.addPod({ name: "c", labels: { app: "other" } });
    api.addPod({ name: "d", namespace: "elsewhere", labels: { app: "tsakt" } });

    const all = (await call(api, `${podsPath}?labelSelector=app%3Dtsakt`)).json();
    expect(all).toMatchObject({
      kind: "PodList",
      apiVersion: "v1",
      metadata: { resourceVersion: String(Number(api.pods()[0]!.metadata.resourceVersion) + 3) },
    });
    expect(names(all)).toEqual(["a", "b"]);
    expect(all.items[0].kind).toBeUndefined();
    expect(names((await call(api, `${podsPath}?labelSelector=${encodeURIComponent("app=tsakt,tier!=db")}`)).json())).toEqual(["a"]);
    expect(names((await call(api, `${podsPath}?labelSelector=${encodeURIComponent("env in (dev, qa),!missing")}`)).json())).toEqual(["b"]);
    expect(names((await call(api, `/api/v1/pods?labelSelector=app%3Dtsakt`)).json())).toEqual(["a", "b", "d"]);
  });

  it("selects by field (metadata.name, status.phase) and refuses a field pods do not index with 400", async () => {
    const api = await server();
    api.addPod({ name: "a" });
    api.addPod({ name: "b", phase: "Pending" });
    expect(names((await call(api, `${podsPath}?fieldSelector=metadata.name%3Db`)).json())).toEqual(["b"]);
    expect(names((await call(api, `${podsPath}?fieldSelector=status.phase!%3DPending`)).json())).toEqual(["a"]);
    const bad = await call(api, `${podsPath}?fieldSelector=spec.color%3Dred`);
    expect([bad.status, bad.json().message]).toEqual([400, "field label not supported: spec.color"]);
  });

  it("serves a pod in v1 shape: phase, podIP, Ready condition and named container ports", async () => {
    const api = await server();
    api.addPod({ name: "a", ports: [{ name: "remoting", containerPort: 9000 }], podIP: "10.0.0.7" });
    api.addPod({ name: "b", phase: "Pending" });
    const a = (await call(api, `${podsPath}/a`)).json();
    expect(a).toMatchObject({
      kind: "Pod",
      metadata: { name: "a", namespace: "default" },
      spec: { containers: [{ ports: [{ name: "remoting", containerPort: 9000, protocol: "TCP" }] }], terminationGracePeriodSeconds: 30 },
      status: { phase: "Running", podIP: "10.0.0.7" },
    });
    expect(a.status.conditions).toContainEqual(expect.objectContaining({ type: "Ready", status: "True" }));
    const b = (await call(api, `${podsPath}/b`)).json();
    expect(b.status.phase).toBe("Pending");
    expect(b.status.podIP).toBeUndefined();
    const missing = await call(api, `${podsPath}/zzz`);
    expect([missing.status, missing.json().message]).toEqual([404, 'pods "zzz" not found']);
  });

  it("streams ADDED, MODIFIED and DELETED events after the watched resourceVersion", async () => {
    const api = await server();
    api.addPod({ name: "old", labels: { app: "tsakt" } });
    const list = (await call(api, `${podsPath}?labelSelector=app%3Dtsakt`)).json();
    const w = await watch(api, `labelSelector=app%3Dtsakt&resourceVersion=${list.metadata.resourceVersion}`);

    api.addPod({ name: "new", labels: { app: "tsakt" } });
    api.updatePod("new", { ready: false });
    api.addPod({ name: "unrelated", labels: { app: "other" } });
    api.deletePod("new", { gracePeriodMs: 0 });

    const got = await events(w, 3);
    expect(got.map((e) => [e.type, e.object.metadata.name])).toEqual([
      ["ADDED", "new"],
      ["MODIFIED", "new"],
      ["DELETED", "new"],
    ]);
    const versions = got.map((e) => Number(e.object.metadata.resourceVersion));
    expect(versions).toEqual([...versions].sort((x, y) => x - y));
    expect(versions[0]).toBeGreaterThan(Number(list.metadata.resourceVersion));
  });

  it("replays the changes a watch missed when it resumes from an older resourceVersion", async () => {
    const api = await server();
    const first = api.addPod({ name: "a", labels: { app: "tsakt" } });
    api.addPod({ name: "b", labels: { app: "tsakt" } });
    api.deletePod("a", { gracePeriodMs: 0 });
    const w = await watch(api, `labelSelector=app%3Dtsakt&resourceVersion=${first.metadata.resourceVersion}`);
    expect((await events(w, 2)).map((e) => [e.type, e.object.metadata.name])).toEqual([
      ["ADDED", "b"],
      ["DELETED", "a"],
    ]);
  });

  it("turns label changes into ADDED and DELETED for a selective watch", async () => {
    const api = await server();
    api.addPod({ name: "a", labels: { app: "other" } });
    const w = await watch(api, `labelSelector=app%3Dtsakt&resourceVersion=${api.pod("a")!.metadata.resourceVersion}`);
    api.updatePod("a", { labels: { app: "tsakt" } });
    api.updatePod("a", { labels: { app: "other" } });
    expect((await events(w, 2)).map((e) => e.type)).toEqual(["ADDED", "DELETED"]);
  });

  it("starts a watch without resourceVersion with ADDED events for the pods that exist", async () => {
    const api = await server();
    api.addPod({ name: "a", labels: { app: "tsakt" } });
    api.addPod({ name: "b", labels: { app: "tsakt" } });
    const w = await watch(api, "labelSelector=app%3Dtsakt");
    expect((await events(w, 2)).map((e) => [e.type, e.object.metadata.name])).toEqual([
      ["ADDED", "a"],
      ["ADDED", "b"],
    ]);
    expect(api.activeWatches).toBe(1);
  });

  it("answers a watch from a compacted resourceVersion with an ERROR event carrying 410 Expired, then ends the stream", async () => {
    const api = await server();
    const pod = api.addPod({ name: "a", labels: { app: "tsakt" } });
    api.updatePod("a", { ready: false });
    api.compactHistory();
    const w = await watch(api, `resourceVersion=${pod.metadata.resourceVersion}`);
    const event = (await w.next()) as WatchEvent;
    expect(event.type).toBe("ERROR");
    expect(event.object).toMatchObject({ kind: "Status", code: 410, reason: "Expired" });
    expect(await w.next()).toBe("end");
  });

  it("forgets the watch history on restart: a version from before it gets 410, the current one resumes", async () => {
    const api = await server();
    const before = api.addPod({ name: "a", labels: { app: "tsakt" } });
    const current = api.addPod({ name: "b", labels: { app: "tsakt" } });
    const port = api.port;
    await api.restart();
    expect(api.port).toBe(port);
    expect(api.pods().map((p) => p.metadata.name)).toEqual(["a", "b"]);

    const stale = await watch(api, `resourceVersion=${before.metadata.resourceVersion}`);
    const error = (await stale.next()) as WatchEvent;
    expect([error.type, error.object.code, error.object.message]).toEqual([
      "ERROR",
      410,
      `too old resource version: ${before.metadata.resourceVersion} (${current.metadata.resourceVersion})`,
    ]);
    const resumed = await watch(api, `resourceVersion=${current.metadata.resourceVersion}`);
    api.addPod({ name: "c", labels: { app: "tsakt" } });
    expect((await resumed.next()) as WatchEvent).toMatchObject({ type: "ADDED", object: { metadata: { name: "c" } } });
  });

  it("drops open watches on restart", async () => {
    const api = await server();
    api.addPod({ name: "a" });
    const w = await watch(api, "");
    expect(((await w.next()) as WatchEvent).type).toBe("ADDED");
    await api.restart();
    expect(await w.next()).toBe("end");
    expect(api.activeWatches).toBe(0);
  });

  it("sends BOOKMARK events carrying the current resourceVersion only to watches that allow them", async () => {
    const api = await server({ bookmarkIntervalMs: 100 });
    const plain = await watch(api, "labelSelector=app%3Dtsakt&resourceVersion=1000");
    const marked = await watch(api, "labelSelector=app%3Dtsakt&resourceVersion=1000&allowWatchBookmarks=true");
    // Changes the selective watches do not show still move the resource version forward.
    api.addPod({ name: "x", labels: { app: "other" } });
    const latest = api.addPod({ name: "y", labels: { app: "other" } });
    let bookmark: WatchEvent | undefined;
    for (let i = 0; i < 10 && bookmark?.object.metadata.resourceVersion !== latest.metadata.resourceVersion; i++) {
      bookmark = (await marked.next()) as WatchEvent;
      expect(bookmark.type).toBe("BOOKMARK");
    }
    expect(bookmark!.object).toEqual({
      kind: "Pod",
      apiVersion: "v1",
      metadata: { resourceVersion: latest.metadata.resourceVersion, creationTimestamp: null },
      spec: { containers: null },
      status: {},
    });
    expect(api.bookmarksSent).toBeGreaterThan(0);
    api.addPod({ name: "z", labels: { app: "tsakt" } });
    expect((await plain.next()) as WatchEvent).toMatchObject({ type: "ADDED", object: { metadata: { name: "z" } } });
  });

  it("sends the last bookmark 2 s before a watch's timeout when that comes before the next interval", async () => {
    const api = await server({ bookmarkIntervalMs: 60_000 });
    const w = await watch(api, "allowWatchBookmarks=true&timeoutSeconds=3&resourceVersion=1000");
    api.addPod({ name: "a" });
    expect(((await w.next()) as WatchEvent).type).toBe("ADDED");
    expect((await w.next(2500)) as WatchEvent).toMatchObject({ type: "BOOKMARK" });
    expect(await w.next(2500)).toBe("end");
  });

  it("holds a watch from a resourceVersion ahead of the server and streams only the changes past it", async () => {
    const api = await server();
    const ahead = Number(api.addPod({ name: "a" }).metadata.resourceVersion) + 2;
    const w = await watch(api, `resourceVersion=${ahead}`);
    api.addPod({ name: "b" });
    api.addPod({ name: "c" });
    api.addPod({ name: "d" });
    expect((await w.next()) as WatchEvent).toMatchObject({ type: "ADDED", object: { metadata: { name: "d" } } });
  });

  it("answers a list from a resourceVersion ahead of the server with 504 Too large resource version after a short wait", async () => {
    const api = await server({ tooLargeResourceVersionWaitMs: 200 });
    const current = Number(api.addPod({ name: "a" }).metadata.resourceVersion);
    const res = await call(api, `${podsPath}?resourceVersion=${current + 5}`);
    expect(res.status).toBe(504);
    expect(res.headers["retry-after"]).toBe("1");
    expect(res.json()).toEqual({
      kind: "Status",
      apiVersion: "v1",
      metadata: {},
      status: "Failure",
      message: `Timeout: Too large resource version: ${current + 5}, current: ${current}`,
      reason: "Timeout",
      details: { causes: [{ reason: "ResourceVersionTooLarge", message: "Too large resource version" }], retryAfterSeconds: 1 },
      code: 504,
    });
    // A version the server reaches while the request waits is served.
    const pending = call(api, `${podsPath}?resourceVersion=${current + 1}`);
    api.addPod({ name: "b" });
    expect(names((await pending).json())).toEqual(["a", "b"]);
  });

  it("deletes a pod gracefully: MODIFIED with deletionTimestamp at once, DELETED when the grace period ends", async () => {
    const api = await server();
    const added = api.addPod({ name: "a", labels: { app: "tsakt" } });
    const w = await watch(api, `resourceVersion=${added.metadata.resourceVersion}`);
    expect(api.deletePod("a", { gracePeriodMs: 300 })).toBe(true);
    expect(api.pod("a")?.metadata).toMatchObject({ deletionGracePeriodSeconds: 1, deletionTimestamp: expect.any(String) });

    const terminating = (await w.next()) as WatchEvent;
    expect(terminating).toMatchObject({ type: "MODIFIED", object: { metadata: { name: "a", deletionGracePeriodSeconds: 1 } } });
    expect(Date.parse(terminating.object.metadata.deletionTimestamp)).toBeGreaterThan(Date.parse(added.metadata.creationTimestamp));
    const deleted = (await w.next()) as WatchEvent;
    expect(deleted).toMatchObject({ type: "DELETED", object: { metadata: { name: "a", deletionGracePeriodSeconds: 0 } } });
    expect(api.pod("a")).toBeUndefined();
    expect(api.deletePod("a")).toBe(false);
  });

  it("deletes through DELETE with the request's grace period, and a shorter later grace wins", async () => {
    const api = await server();
    api.addPod({ name: "a" });
    const res = await call(api, `${podsPath}/a`, { method: "DELETE", body: JSON.stringify({ gracePeriodSeconds: 60 }) });
    expect(res.status).toBe(200);
    expect(res.json().metadata).toMatchObject({ name: "a", deletionGracePeriodSeconds: 60 });
    const w = await watch(api, `resourceVersion=${res.json().metadata.resourceVersion}`);
    expect((await call(api, `${podsPath}/a?gracePeriodSeconds=0`, { method: "DELETE" })).status).toBe(200);
    expect((await w.next()) as WatchEvent).toMatchObject({ type: "DELETED", object: { metadata: { name: "a" } } });
  });

  it("ends a watch after timeoutSeconds", async () => {
    const api = await server();
    const w = await watch(api, "timeoutSeconds=1");
    expect(await w.next(3000)).toBe("end");
    expect(api.activeWatches).toBe(0);
  });

  it("ends open watches on endWatches() and counts list requests", async () => {
    const api = await server();
    const w = await watch(api, "");
    await call(api, podsPath);
    await call(api, podsPath);
    expect(api.listRequests).toBe(2);
    api.endWatches();
    api.addPod({ name: "after-end" });
    expect(await w.next()).toBe("end");
    expect(api.activeWatches).toBe(0);
  });

  it("rejects a malformed label selector with 400", async () => {
    const api = await server();
    const res = await call(api, `${podsPath}?labelSelector=${encodeURIComponent("app=(x")}`);
    expect(res.status).toBe(400);
    expect(res.json()).toMatchObject({ kind: "Status", reason: "BadRequest", code: 400 });
  });
});
