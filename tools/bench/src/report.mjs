/** Formats collected results as a plain-text table with ratios oriented so that > 1 favours TsAkt. */

/**
 * @typedef {{ value?: number, status: "ok" | "OOM" | "timeout" | "error", note?: string }} Cell
 * @typedef {{ label: string, unit: string, better: "higher" | "lower", cells: Record<string, Cell> }} TableRow
 */

/** "Higher is better for TsAkt" ratio of TsAkt's value against a peer's; undefined when either is missing. */
export function advantage(row, peer) {
  const ours = row.cells.tsakt;
  const theirs = row.cells[peer];
  if (ours?.status !== "ok" || theirs?.status !== "ok") return undefined;
  const r = row.better === "higher" ? ours.value / theirs.value : theirs.value / ours.value;
  return Number.isFinite(r) && r > 0 ? r : undefined;
}

/** 27_345_678 → "27.3M", 0.398 → "0.40". */
export function formatValue(v) {
  const a = Math.abs(v);
  if (a >= 1e9) return `${(v / 1e9).toFixed(2)}G`;
  if (a >= 1e6) return `${(v / 1e6).toFixed(a >= 1e8 ? 0 : a >= 1e7 ? 1 : 2)}M`;
  if (a >= 1e4) return `${(v / 1e3).toFixed(a >= 1e5 ? 0 : 1)}k`;
  if (a >= 100) return v.toFixed(0);
  if (a >= 10) return v.toFixed(1);
  return v.toFixed(2);
}

function formatCell(cell) {
  if (cell === undefined) return "—";
  return cell.status === "ok" ? formatValue(/** @type {number} */ (cell.value)) : cell.status;
}

function formatRatio(r) {
  if (r === undefined) return "—";
  return `${r >= 100 ? r.toFixed(0) : r >= 10 ? r.toFixed(1) : r.toFixed(2)}×`;
}

/**
 * The table: one row per metric, one column per library, then TsAkt's advantage over each peer.
 * @param {TableRow[]} rows
 * @param {string[]} libraries first one is TsAkt
 */
export function formatTable(rows, libraries) {
  const peers = libraries.slice(1);
  const header = ["scenario", "unit", ...libraries, ...peers.map((p) => `vs ${p}`)];
  const body = rows.map((row) => [
    row.label,
    row.unit,
    ...libraries.map((lib) => formatCell(row.cells[lib])),
    ...peers.map((p) => formatRatio(advantage(row, p))),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((r) => r[i].length)));
  const line = (cells) => cells.map((c, i) => (i < 2 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join("  ");
  const rule = widths.map((w) => "─".repeat(w)).join("──");
  return [line(header), rule, ...body.map(line)].join("\n");
}

/** The legend printed under the table. */
export function legend(libraries) {
  const peers = libraries.slice(1);
  return [
    `"vs <peer>" is TsAkt's advantage: > 1× means TsAkt is better (rates: TsAkt ÷ peer; latency, lag, bytes: peer ÷ TsAkt).`,
    `Each (library, scenario) ran in its own process; rates are medians of repeated rounds. Peers: ${peers.join(", ")}.`,
  ].join("\n");
}
