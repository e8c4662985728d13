import { svg } from "./dom.js";
import type { Member } from "./types.js";

const width = 420;
const height = 300;
const radius = 22;

/**
 * Draws the members as a graph: one circle per member around a ring (SWIM members all probe each other, so every
 * pair is linked), colored by status, the leader ringed and starred, this node outlined; clicking selects a member.
 * Each member's group carries data-member and data-status, which the browser test reads.
 */
export function renderGraph(host: Element, members: readonly Member[], selected: string, onSelect: (name: string) => void): void {
  const sorted = [...members].sort((a, b) => a.name.localeCompare(b.name));
  const cx = width / 2;
  const cy = height / 2;
  const ring = sorted.length <= 1 ? 0 : Math.min(width, height) / 2 - radius * 2.4;
  const points = sorted.map((m, i) => {
    const angle = -Math.PI / 2 + (2 * Math.PI * i) / Math.max(1, sorted.length);
    return { m, x: cx + ring * Math.cos(angle), y: cy + ring * Math.sin(angle) };
  });
  const root = svg("svg", { viewBox: `0 0 ${width} ${height}`, role: "img", "aria-label": `${sorted.length} cluster members` });
  for (let i = 0; i < points.length; i++)
    for (let j = i + 1; j < points.length; j++) {
      const a = points[i] as (typeof points)[number];
      const b = points[j] as (typeof points)[number];
      root.append(svg("line", { x1: a.x, y1: a.y, x2: b.x, y2: b.y, class: "link" }));
    }
  for (const { m, x, y } of points) {
    const group = svg(
      "g",
      {
        class: `member status-${m.status}${m.leader ? " leader" : ""}${m.self ? " self" : ""}${m.name === selected ? " selected" : ""}`,
        "data-member": m.name,
        "data-status": m.status,
        "data-leader": m.leader,
        transform: `translate(${x.toFixed(1)},${y.toFixed(1)})`,
        tabindex: 0,
      },
      svg(
        "title",
        {},
        `${m.name} — ${m.status}${m.leader ? ", leader" : ""}${m.roles.length > 0 ? `, roles ${m.roles.join(", ")}` : ""}, DC ${m.datacenter}`,
      ),
      svg("circle", { r: radius }),
      m.leader ? svg("text", { class: "crown", y: -radius - 6 }, "★ leader") : undefined,
      svg("text", { class: "name", y: radius + 16 }, m.name),
      svg(
        "text",
        { class: "detail", y: radius + 30 },
        `${m.status} · ${m.datacenter}${m.roles.length > 0 ? ` · ${m.roles.join(",")}` : ""}`,
      ),
    );
    group.addEventListener("click", () => onSelect(m.name));
    group.addEventListener("keydown", (event) => {
      if ((event as KeyboardEvent).key === "Enter") onSelect(m.name);
    });
    root.append(group);
  }
  host.replaceChildren(root);
}
