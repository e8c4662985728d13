import { NodeChart } from "./charts.js";
import { byId, el } from "./dom.js";
import { renderGraph } from "./graph.js";
import { renderEvents, renderGrains, renderNode } from "./panels.js";
import { renderTree, treeLimit } from "./tree.js";
import type { ActorPage, ClusterEventEntry, Member, MembersUpdate, NodeSnapshot, Snapshot } from "./types.js";

/** Samples kept per node in the browser (matches the server's default history). */
const maxSamples = 300;
/** Events kept in the log. */
const maxEvents = 200;
/** How often the actor tree is fetched again. */
const treeRefreshMs = 5000;

/** Everything the page shows, fed by the live stream. */
const state = {
  self: "",
  system: "",
  cluster: false,
  leader: null as string | null,
  members: [] as Member[],
  events: [] as ClusterEventEntry[],
  nodes: new Map<string, NodeSnapshot>(),
  selected: "",
};

const token = initialToken();
const rate = new NodeChart(byId("chart-rate"), "Messages processed per second", (s) => s.messagesPerSec);
const depth = new NodeChart(byId("chart-depth"), "Mailbox depth (messages queued)", (s) => s.mailboxDepth);

/** The token from ?access_token= (then kept for the tab) or from an earlier visit in this tab. */
function initialToken(): string | undefined {
  const fromUrl = new URLSearchParams(location.search).get("access_token");
  if (fromUrl !== null && fromUrl !== "") {
    sessionStorage.setItem("tsakt-token", fromUrl);
    return fromUrl;
  }
  return sessionStorage.getItem("tsakt-token") ?? undefined;
}

/** A URL of the management API, relative to the dashboard's folder so a path prefix in front of it keeps working. */
function api(path: string): URL {
  return new URL(`../${path}`, location.href);
}

async function getJson<T>(path: string): Promise<T> {
  const response = await fetch(api(path), { headers: token === undefined ? {} : { authorization: `Bearer ${token}` } });
  if (response.status === 401) {
    askForToken();
    throw new Error("the endpoint wants a token");
  }
  if (!response.ok) throw new Error(`${path}: HTTP ${response.status}`);
  return (await response.json()) as T;
}

function askForToken(): void {
  const form = el(
    "form",
    { class: "token" },
    el("label", {}, "This endpoint needs its token: ", el("input", { type: "password", name: "token", autocomplete: "off" })),
    el("button", { type: "submit" }, "Open"),
  );
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const value = (form.elements.namedItem("token") as HTMLInputElement).value.trim();
    if (value !== "") {
      sessionStorage.setItem("tsakt-token", value);
      location.reload();
    }
  });
  byId("banner").replaceChildren(form);
}

function setConnection(text: string, live: boolean): void {
  const badge = byId("connection");
  badge.textContent = text;
  badge.className = live ? "badge live" : "badge down";
}

function renderMembers(): void {
  const host = byId("graph");
  if (!state.cluster) {
    host.replaceChildren(el("p", { class: "muted" }, `${state.self} runs without a cluster.`));
    return;
  }
  renderGraph(host, state.members, state.selected, select);
  byId("member-count").textContent = `${state.members.length} member${state.members.length === 1 ? "" : "s"}`;
  byId("leader").textContent = state.leader === null ? "no leader" : `leader ${state.leader}`;
}

function renderNumbers(): void {
  rate.update(state.nodes);
  depth.update(state.nodes);
  renderGrains(byId("grains"), state.nodes);
  renderNode(byId("node"), state.nodes.get(state.selected));
}

function select(name: string): void {
  state.selected = name;
  renderMembers();
  renderNode(byId("node"), state.nodes.get(name));
  void loadTree();
}

async function loadTree(): Promise<void> {
  const node = state.selected;
  const host = byId("tree");
  byId("tree-node").textContent = node;
  if (node === "") return;
  const path = state.cluster ? `cluster/nodes/${encodeURIComponent(node)}/actors?limit=${treeLimit}` : `actors?limit=${treeLimit}`;
  try {
    renderTree(host, await getJson<ActorPage>(path));
  } catch (error) {
    host.replaceChildren(el("p", { class: "warn" }, `Could not load the actors of ${node}: ${(error as Error).message}`));
  }
}

function mergeNodes(updates: readonly NodeSnapshot[], replace: boolean): void {
  const seen = new Set<string>();
  for (const update of updates) {
    seen.add(update.stats.node);
    const known = state.nodes.get(update.stats.node);
    const samples = replace || known === undefined ? update.samples : [...known.samples, ...update.samples];
    state.nodes.set(update.stats.node, { ...update, samples: samples.slice(-maxSamples) });
  }
  // A member that left is dropped from the charts with its last update.
  if (state.cluster)
    for (const name of [...state.nodes.keys()])
      if (!seen.has(name) && !state.members.some((m) => m.name === name)) state.nodes.delete(name);
}

function connect(): void {
  const url = api("live");
  if (token !== undefined) url.searchParams.set("access_token", token);
  const stream = new EventSource(url);
  stream.onopen = () => setConnection("live", true);
  stream.onerror = () => setConnection("reconnecting…", false);
  stream.addEventListener("hello", (event) => {
    const hello = JSON.parse((event as MessageEvent<string>).data) as Snapshot;
    state.self = hello.self;
    state.system = hello.system;
    state.cluster = hello.cluster;
    state.leader = hello.leader;
    state.members = hello.members;
    state.events = hello.events.slice(-maxEvents);
    state.nodes.clear();
    mergeNodes(hello.nodes, true);
    if (state.selected === "" || !state.nodes.has(state.selected)) state.selected = hello.self;
    byId("title").textContent = `${hello.system} · ${hello.self}`;
    document.title = `TsAkt · ${hello.system}`;
    renderMembers();
    renderEvents(byId("events"), state.events);
    renderNumbers();
    void loadTree();
  });
  stream.addEventListener("members", (event) => {
    const update = JSON.parse((event as MessageEvent<string>).data) as MembersUpdate;
    state.leader = update.leader;
    state.members = update.members;
    renderMembers();
  });
  stream.addEventListener("event", (event) => {
    state.events.push(JSON.parse((event as MessageEvent<string>).data) as ClusterEventEntry);
    if (state.events.length > maxEvents) state.events.shift();
    renderEvents(byId("events"), state.events);
  });
  stream.addEventListener("nodes", (event) => {
    mergeNodes(JSON.parse((event as MessageEvent<string>).data) as NodeSnapshot[], false);
    renderNumbers();
  });
}

byId("tree-refresh").addEventListener("click", () => void loadTree());
// The tree is fetched, not streamed: refresh it now and then while the tab is visible.
setInterval(() => {
  if (document.visibilityState === "visible") void loadTree();
}, treeRefreshMs);
window.addEventListener("resize", () => {
  rate.resize();
  depth.resize();
});
setConnection("connecting…", false);
// A missing or wrong token shows up here as 401 (the event stream would only retry silently).
void getJson("status").catch(() => undefined);
connect();
