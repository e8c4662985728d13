/** The dashboard's stylesheet, served as /dashboard/style.css. */
export const dashboardStyle = `
:root { color-scheme: light; --bg: #f5f6f8; --panel: #fff; --ink: #1d2330; --muted: #6b7383; --line: #dde1e7;
  --alive: #1f9d55; --suspect: #e0a100; --down: #c0392b; --accent: #2f7ed8; }
* { box-sizing: border-box; }
body { margin: 0; font: 14px/1.4 system-ui, -apple-system, "Segoe UI", sans-serif; background: var(--bg); color: var(--ink); }
header { display: flex; gap: 10px; align-items: center; padding: 10px 18px; background: var(--ink); color: #fff; }
header h1 { font-size: 17px; margin: 0 auto 0 0; }
header .muted { color: #b8c0cc; font-weight: normal; }
.badge { padding: 2px 9px; border-radius: 10px; background: #39414f; font-size: 12px; }
.badge.live { background: var(--alive); }
.badge.down { background: var(--down); }
main { display: grid; grid-template-columns: repeat(2, minmax(0, 1fr)); gap: 12px; padding: 12px 18px; }
.panel { background: var(--panel); border: 1px solid var(--line); border-radius: 6px; padding: 10px 14px; min-width: 0; }
.panel.wide { grid-column: 1 / -1; }
h2 { font-size: 14px; margin: 0 0 8px; text-transform: uppercase; letter-spacing: .04em; color: var(--muted); }
h3 { margin: 0 0 6px; font-size: 15px; }
.muted { color: var(--muted); }
.warn { color: var(--down); }
#graph svg { width: 100%; max-height: 320px; }
.link { stroke: var(--line); stroke-width: 1.5; }
.member { cursor: pointer; }
.member circle { fill: var(--alive); stroke: #fff; stroke-width: 3; }
.member.status-suspect circle { fill: var(--suspect); }
.member.status-dead circle, .member.status-left circle { fill: var(--down); }
.member.leader circle { stroke: var(--accent); stroke-width: 5; }
.member.self circle { stroke-dasharray: 4 3; }
.member.selected circle { filter: drop-shadow(0 0 5px rgba(47,126,216,.8)); }
.member text { text-anchor: middle; font-size: 12px; fill: var(--ink); }
.member text.detail { fill: var(--muted); font-size: 11px; }
.member text.crown { fill: var(--accent); font-weight: 600; }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; padding: 3px 6px; border-bottom: 1px solid var(--line); vertical-align: top; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
table.numbers th { width: 40%; color: var(--muted); font-weight: normal; }
.bar { height: 8px; background: var(--accent); border-radius: 4px; margin: 4px 0; min-width: 2px; }
ol.events { list-style: none; margin: 0; padding: 0; max-height: 260px; overflow: auto; font-size: 13px; }
ol.events li { padding: 2px 0; border-bottom: 1px dotted var(--line); }
ol.events time { color: var(--muted); font-variant-numeric: tabular-nums; }
.event.member-left strong { color: var(--down); }
.event.member-joined strong { color: var(--alive); }
.event.leader-changed strong { color: var(--accent); }
#tree ul { list-style: none; padding-left: 18px; margin: 2px 0; }
#tree > ul { padding-left: 0; }
#tree .counts { color: var(--muted); font-size: 12px; }
#tree summary { cursor: pointer; }
#tree .state-suspended code, #tree .state-stopping code { color: var(--down); }
#banner form { margin: 12px 18px; padding: 10px; background: #fff3cd; border: 1px solid #f0d68a; border-radius: 6px; }
button { font: inherit; font-size: 12px; padding: 1px 8px; }
@media (max-width: 900px) { main { grid-template-columns: 1fr; } }
`;
