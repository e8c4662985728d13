/**
 * The dashboard's page. Its scripts are same-origin files only (uPlot as a classic script, then the app's ES
 * modules), so the content security policy needs no inline script or style.
 */
export const dashboardPage = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>TsAkt dashboard</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="vendor/uplot.css">
<link rel="stylesheet" href="style.css">
<script src="vendor/uplot.js"></script>
<script type="module" src="app.js"></script>
</head>
<body>
<header>
  <h1>TsAkt <span id="title" class="muted"></span></h1>
  <span id="member-count" class="badge"></span>
  <span id="leader" class="badge"></span>
  <span id="connection" class="badge">connecting…</span>
</header>
<div id="banner"></div>
<main>
  <section class="panel" id="members-panel"><h2>Members</h2><div id="graph"></div></section>
  <section class="panel" id="node-panel"><h2>Node</h2><div id="node"></div></section>
  <section class="panel wide"><div id="chart-rate"></div></section>
  <section class="panel wide"><div id="chart-depth"></div></section>
  <section class="panel"><h2>Grain activations</h2><div id="grains"></div></section>
  <section class="panel"><h2>Cluster events</h2><div id="events"></div></section>
  <section class="panel wide"><h2>Actors of <span id="tree-node"></span> <button id="tree-refresh" type="button">refresh</button></h2><div id="tree"></div></section>
</main>
</body>
</html>
`;
