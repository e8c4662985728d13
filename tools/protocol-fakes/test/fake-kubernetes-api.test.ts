import { afterEach, describe, expect, it } from "vitest";
import { type FakeKubernetesApi, startFakeKubernetesApi } from "../src/index.js";

const servers: FakeKubernetesApi[] = [];
const aborts: AbortController[] = [];

afterEach(async () => {
  for (const a of aborts.splice(0)) a.abort();
  await Promise.all(servers.splice(0).map((s) => s.stop()));
});

async function server(): Promise<FakeKubernetesApi> {
  const s = await startFakeKubernetesApi();
  servers.push(s);
  return s;
}

function get(api: FakeKubernetesApi, path: string, token = api.token): Promise<Response> {
  return fetch(`${api.url}${path}`, { headers: { Authorization: `Bearer ${token}` } });
}

interface WatchEvent {
  type: string;
  object: { metadata: { name: string; resourceVersion: string }; code?: number; reason?: string };
}

/** Reads a watch stream line by line; next() waits for the next event or fails after `ms`. */
async function openWatch(api: FakeKubernetesApi, query: string) {
  const abort = new AbortController();
  aborts.push(abort);
  const res = await fetch(`${api.url}/api/v1/namespaces/default/pods?watch=true&${query}`, {
    headers: { Authorization: `Bearer ${api.token}` },
    signal: abort.signal,
  });
  expect(res.status).toBe(200);
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  let buffered = "";
  let ended = false;
  async function next(ms = 3000): Promise<WatchEvent | "end"> {
    const deadline = Date.now() + ms;
    for (;;) {
      const newline = buffered.indexOf("\n");
      if (newline >= 0) {
        const line = buffered.slice(0, newline);
        buffered = buffered.slice(newline + 1);
        return JSON.parse(line) as WatchEvent;
      }
      if (ended) return "end";
      const left = deadline - Date.now();
      if (left <= 0) throw new Error("no watch event in time");
      let timer: NodeJS.Timeout | undefined;
      const chunk = await Promise.race([
        reader.read(),
        new Promise<"timeout">((r) => (timer = setTimeout(() => r("timeout"), left))),
      ]).finally(() => clearTimeout(timer));
      if (chunk === "timeout") throw new Error("no watch event in time");
      if (chunk.done) ended = true;
      else buffered += decoder.decode(chunk.value, { stream: true });
    }
  }
  return { next, close: () => abort.abort() };
}

function names(list: { items: Array<{ metadata: { name: string } }> }): string[] {
  return list.items.map((p) => p.metadata.name);
}

describe("fake Kubernetes API", () => {
  it("lists pods matching an equality- and set-based label selector, with the list's resourceVersion", async () => {
    const api = await server();
    api.addPod({ name: "a", labels: { app: "tsakt", env: "prod" } });
    api.addPod({ name: "b", labels: { app: "tsakt", tier: "db", env: "dev" } });
    api.addPod({ name: "c", labels: { app: "other" } });
    api.addPod({ name: "d", namespace: "elsewhere", labels: { app: "tsakt" } });

    const all = (await (await get(api, "/api/v1/namespaces/default/pods?labelSelector=app%3Dtsakt")).json()) as any;
    expect(all).toMatchObject({
      kind: "PodList",
      apiVersion: "v1",
      metadata: { resourceVersion: String(Number(api.pods()[0]!.metadata.resourceVersion) + 3) },
    });
    expect(names(all)).toEqual(["a", "b"]);
    expect(all.items[0].kind).toBeUndefined();

    const selector = encodeURIComponent("app=tsakt,tier!=db");
    expect(names((await (await get(api, `/api/v1/namespaces/default/pods?labelSelector=${selector}`)).json()) as any)).toEqual(["a"]);
    const inSet = encodeURIComponent("env in (dev, qa),!missing");
    expect(names((await (await get(api, `/api/v1/namespaces/default/pods?labelSelector=${inSet}`)).json()) as any)).toEqual(["b"]);
  });

  it("serves a pod in v1 shape: phase, podIP, Ready condition and named container ports", async () => {
    const api = await server();
    api.addPod({ name: "a", ports: [{ name: "remoting", containerPort: 9000 }], podIP: "10.0.0.7" });
    api.addPod({ name: "b", phase: "Pending" });
    const a = (await (await get(api, "/api/v1/namespaces/default/pods/a")).json()) as any;
    expect(a).toMatchObject({
      kind: "Pod",
      metadata: { name: "a", namespace: "default" },
      spec: { containers: [{ ports: [{ name: "remoting", containerPort: 9000, protocol: "TCP" }] }] },
      status: { phase: "Running", podIP: "10.0.0.7" },
    });
    expect(a.status.conditions).toContainEqual(expect.objectContaining({ type: "Ready", status: "True" }));
    const b = (await (await get(api, "/api/v1/namespaces/default/pods/b")).json()) as any;
    expect(b.status.phase).toBe("Pending");
    expect(b.status.podIP).toBeUndefined();
    expect(b.status.conditions).toContainEqual(expect.objectContaining({ type: "Ready", status: "False" }));
    expect((await get(api, "/api/v1/namespaces/default/pods/zzz")).status).toBe(404);
  });

  it("streams ADDED, MODIFIED and DELETED events after the watched resourceVersion", async () => {
    const api = await server();
    api.addPod({ name: "old", labels: { app: "tsakt" } });
    const list = (await (await get(api, "/api/v1/namespaces/default/pods?labelSelector=app%3Dtsakt")).json()) as any;
    const watch = await openWatch(api, `labelSelector=app%3Dtsakt&resourceVersion=${list.metadata.resourceVersion}`);

    api.addPod({ name: "new", labels: { app: "tsakt" } });
    api.updatePod("new", { ready: false });
    api.addPod({ name: "unrelated", labels: { app: "other" } });
    api.deletePod("new");

    const events = [await watch.next(), await watch.next(), await watch.next()] as WatchEvent[];
    expect(events.map((e) => [e.type, e.object.metadata.name])).toEqual([
      ["ADDED", "new"],
      ["MODIFIED", "new"],
      ["DELETED", "new"],
    ]);
    const versions = events.map((e) => Number(e.object.metadata.resourceVersion));
    expect(versions).toEqual([...versions].sort((x, y) => x - y));
    expect(versions[0]).toBeGreaterThan(Number(list.metadata.resourceVersion));
  });

  it("replays the changes a watch missed when it resumes from an older resourceVersion", async () => {
    const api = await server();
    const first = api.addPod({ name: "a", labels: { app: "tsakt" } });
    api.addPod({ name: "b", labels: { app: "tsakt" } });
    api.deletePod("a");
    const watch = await openWatch(api, `labelSelector=app%3Dtsakt&resourceVersion=${first.metadata.resourceVersion}`);
    const events = [await watch.next(), await watch.next()] as WatchEvent[];
    expect(events.map((e) => [e.type, e.object.metadata.name])).toEqual([
      ["ADDED", "b"],
      ["DELETED", "a"],
    ]);
  });

  it("turns label changes into ADDED and DELETED for a selective watch", async () => {
    const api = await server();
    api.addPod({ name: "a", labels: { app: "other" } });
    const watch = await openWatch(api, `labelSelector=app%3Dtsakt&resourceVersion=${api.pod("a")!.metadata.resourceVersion}`);
    api.updatePod("a", { labels: { app: "tsakt" } });
    api.updatePod("a", { labels: { app: "other" } });
    const events = [await watch.next(), await watch.next()] as WatchEvent[];
    expect(events.map((e) => e.type)).toEqual(["ADDED", "DELETED"]);
  });

  it("starts a watch without resourceVersion with ADDED events for the pods that exist", async () => {
    const api = await server();
    api.addPod({ name: "a", labels: { app: "tsakt" } });
    api.addPod({ name: "b", labels: { app: "tsakt" } });
    const watch = await openWatch(api, "labelSelector=app%3Dtsakt");
    const events = [await watch.next(), await watch.next()] as WatchEvent[];
    expect(events.map((e) => [e.type, e.object.metadata.name])).toEqual([
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
    const watch = await openWatch(api, `resourceVersion=${pod.metadata.resourceVersion}`);
    const event = (await watch.next()) as WatchEvent;
    expect(event.type).toBe("ERROR");
    expect(event.object).toMatchObject({ kind: "Status", code: 410, reason: "Expired" });
    expect(await watch.next()).toBe("end");
  });

  it("ends a watch after timeoutSeconds", async () => {
    const api = await server();
    const watch = await openWatch(api, "timeoutSeconds=1");
    expect(await watch.next(3000)).toBe("end");
    expect(api.activeWatches).toBe(0);
  });

  it("ends open watches on endWatches() and counts list requests", async () => {
    const api = await server();
    const watch = await openWatch(api, "");
    await get(api, "/api/v1/namespaces/default/pods");
    await get(api, "/api/v1/namespaces/default/pods");
    expect(api.listRequests).toBe(2);
    api.endWatches();
    api.addPod({ name: "after-end" });
    expect(await watch.next()).toBe("end");
    expect(api.activeWatches).toBe(0);
  });

  it("rejects a request without the kubeconfig's bearer token with 401", async () => {
    const api = await server();
    const res = await get(api, "/api/v1/namespaces/default/pods", "wrong");
    expect(res.status).toBe(401);
    expect(await res.json()).toMatchObject({ kind: "Status", reason: "Unauthorized", code: 401 });
  });

  it("rejects a malformed label selector with 400", async () => {
    const api = await server();
    const res = await get(api, `/api/v1/namespaces/default/pods?labelSelector=${encodeURIComponent("app=(x")}`);
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ kind: "Status", reason: "BadRequest", code: 400 });
  });

  it("emits a kubeconfig whose current context points at the server with its token", async () => {
    const api = await server();
    const yaml = api.kubeconfig({ namespace: "team-a" });
    expect(yaml).toContain(`server: ${api.url}`);
    expect(yaml).toContain(`token: ${api.token}`);
    expect(yaml).toContain("namespace: team-a");
    expect(yaml).toContain("current-context: fake");
  });

  it("keeps pods but drops open watches when restarted", async () => {
    const api = await server();
    api.addPod({ name: "a" });
    const watch = await openWatch(api, "");
    expect(((await watch.next()) as WatchEvent).type).toBe("ADDED");
    const port = api.port;
    await api.restart();
    await expect(watch.next()).rejects.toThrow();
    expect(api.port).toBe(port);
    expect(api.activeWatches).toBe(0);
    await new Promise((r) => setTimeout(r, 50));
    const list = (await (await get(api, "/api/v1/namespaces/default/pods")).json()) as any;
    expect(names(list)).toEqual(["a"]);
  });
});
