import { compact, el } from "./dom.js";
import type { ActorEntry, ActorPage } from "./types.js";

/** Most actors shown in the tree; the header says when there are more. */
export const treeLimit = 500;

/**
 * The actor tree of one node, from a page of its actors (parents before children, each with its depth): nested
 * lists, a node with children collapsible, each line with its mailbox depth and processed count.
 */
export function renderTree(host: HTMLElement, page: ActorPage): void {
  const roots: Array<{ entry: ActorEntry; children: unknown[] }> = [];
  const stack: Array<{ entry: ActorEntry; children: Array<{ entry: ActorEntry; children: unknown[] }> }> = [];
  for (const entry of page.actors) {
    const item = { entry, children: [] as Array<{ entry: ActorEntry; children: unknown[] }> };
    while (stack.length > 0 && (stack[stack.length - 1] as (typeof stack)[number]).entry.depth >= entry.depth) stack.pop();
    const parent = stack[stack.length - 1];
    if (parent === undefined) roots.push(item);
    else parent.children.push(item);
    stack.push(item);
  }
  const list = (items: Array<{ entry: ActorEntry; children: unknown[] }>): HTMLUListElement =>
    el(
      "ul",
      {},
      ...items.map(({ entry, children }) => {
        const label = el(
          "span",
          { class: `actor state-${entry.state}`, "data-path": entry.path },
          // Top-level actors show their guardian (/user or /system), deeper ones their own name.
          el("code", {}, entry.depth === 1 ? entry.path : entry.path.slice(entry.path.lastIndexOf("/") + 1)),
          el(
            "span",
            { class: "counts" },
            ` mailbox ${entry.mailbox} · processed ${compact(entry.processed)}${entry.state === "running" ? "" : ` · ${entry.state}`}`,
          ),
        );
        const kids = children as Array<{ entry: ActorEntry; children: unknown[] }>;
        if (kids.length === 0) return el("li", {}, label);
        // Top-level actors with a few children open; long lists (grain activations, pools) and deeper levels collapsed.
        return el(
          "li",
          {},
          el(
            "details",
            { open: entry.depth < 2 && entry.children <= 20 },
            el("summary", {}, label, el("span", { class: "counts" }, ` (${entry.children})`)),
            list(kids),
          ),
        );
      }),
    );
  const more = page.total > page.actors.length ? ` — showing the first ${page.actors.length}` : "";
  host.replaceChildren(el("p", { class: "muted" }, `${page.total} actors on ${page.node}${more}`), list(roots));
}
