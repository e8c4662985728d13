import { clockTime, compact, el } from "./dom.js";
import type { ClusterEventEntry, NodeSnapshot } from "./types.js";

/** Grain activations per node: a bar per node, split by kind. */
export function renderGrains(host: HTMLElement, nodes: ReadonlyMap<string, NodeSnapshot>): void {
  const rows = [...nodes.values()].sort((a, b) => a.stats.node.localeCompare(b.stats.node));
  if (rows.every((n) => !n.stats.grains.enabled)) {
    host.replaceChildren(el("p", { class: "muted" }, "No grains plugin on these nodes."));
    return;
  }
  const max = Math.max(1, ...rows.map((n) => n.stats.grains.active));
  host.replaceChildren(
    el(
      "table",
      { class: "grains" },
      el("thead", {}, el("tr", {}, el("th", {}, "node"), el("th", {}, "active"), el("th", {}, "by kind"))),
      el(
        "tbody",
        {},
        ...rows.map((n) =>
          el(
            "tr",
            { "data-node": n.stats.node },
            el("td", {}, n.stats.node),
            el("td", { class: "num" }, n.stats.grains.active),
            el(
              "td",
              {},
              el("div", { class: "bar", style: undefined, "data-width": Math.round((100 * n.stats.grains.active) / max) }),
              el("span", { class: "muted" }, n.stats.grains.kinds.map((k) => `${k.kind} ${k.active}`).join(" · ")),
            ),
          ),
        ),
      ),
    ),
  );
  // Widths through the CSSOM: the page's content security policy allows no inline style attributes.
  for (const bar of host.querySelectorAll<HTMLElement>(".bar")) bar.style.width = `${bar.dataset.width ?? "0"}%`;
}

/** The newest cluster events first. */
export function renderEvents(host: HTMLElement, events: readonly ClusterEventEntry[]): void {
  if (events.length === 0) {
    host.replaceChildren(el("p", { class: "muted" }, "No cluster events yet."));
    return;
  }
  host.replaceChildren(
    el(
      "ol",
      { class: "events" },
      ...[...events]
        .reverse()
        .map((e) =>
          el(
            "li",
            { class: `event ${e.type}` },
            el("time", {}, clockTime(e.at)),
            " ",
            el("strong", {}, e.type),
            " ",
            e.type === "leader-changed"
              ? `${e.leader ?? "none"} (was ${e.previous ?? "none"})`
              : `${e.member ?? ""}${e.status === undefined ? "" : ` (${e.status})`}`,
          ),
        ),
    ),
  );
}

/** The selected node's numbers. */
export function renderNode(host: HTMLElement, node: NodeSnapshot | undefined): void {
  if (node === undefined) {
    host.replaceChildren(el("p", { class: "muted" }, "Select a member."));
    return;
  }
  const s = node.stats;
  const last = node.samples[node.samples.length - 1];
  const row = (label: string, value: string | number) => el("tr", {}, el("th", {}, label), el("td", {}, String(value)));
  host.replaceChildren(
    el("h3", {}, s.node, node.reachable ? "" : el("span", { class: "warn" }, " (not answering)")),
    el(
      "table",
      { class: "numbers" },
      row("address", s.address),
      row("uptime", `${s.uptimeSec} s`),
      row("actors", s.actors),
      row("messages/s", last === undefined ? "–" : compact(last.messagesPerSec)),
      row("processed", compact(s.processed)),
      row("mailbox depth", s.mailboxDepth),
      row("dead letters", compact(s.deadLetters)),
      row("restarts", s.restarts),
      row("grains", s.grains.enabled ? s.grains.active : "–"),
      row("management", s.url),
    ),
  );
}
