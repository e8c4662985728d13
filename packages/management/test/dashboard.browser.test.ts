/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
// page.waitForFunction callbacks run in the browser.
import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startCluster, stopAll, type TestNode } from "@tsakt/test-cluster";
import { eventually } from "@tsakt/testkit";
import { type BrowserContext, chromium } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

// Debian's chromium, as DESIGN.md §14 has it; .ci/run installs it. Outside CI a machine without it skips this file.
const executablePath = process.env.CHROMIUM_BIN ?? "/usr/bin/chromium";
const haveChromium = existsSync(executablePath);
if (!haveChromium && process.env.CI === "true") throw new Error(`${executablePath} is missing: .ci/run installs Debian's chromium`);

let nodes: TestNode[] = [];
let browser: BrowserContext | undefined;
let profile = "";

beforeAll(async () => {
  if (!haveChromium) return;
  profile = await mkdtemp(join(tmpdir(), "tsakt-chromium-"));
  [nodes, browser] = await Promise.all([
    startCluster({ fast: true, management: {} }),
    chromium.launchPersistentContext(profile, {
      executablePath,
      headless: true,
      viewport: { width: 1280, height: 1250 },
      args: [
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-quic",
        "--no-first-run",
        "--disable-component-update",
        "--disable-sync",
      ],
    }),
  ]);
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await stopAll(nodes);
  if (profile !== "") await rm(profile, { recursive: true, force: true });
});

describe.skipIf(!haveChromium)("the live dashboard in a real browser (headless Chromium)", () => {
  it("shows the 3 members, and a killed member leaves the graph as soon as the cluster declares it dead", async () => {
    const [a, b, c] = nodes as [TestNode, TestNode, TestNode];
    const page = await (browser as BrowserContext).newPage();
    const problems: string[] = [];
    page.on("pageerror", (error) => problems.push(error.message));
    page.on("console", (message) => {
      if (message.type() === "error") problems.push(message.text());
    });
    await page.goto(`${a.url}/dashboard/`);
    await page.waitForFunction(() => document.querySelectorAll("[data-member][data-status=alive]").length === 3, undefined, {
      timeout: 10_000,
    });
    const shown = await page.$$eval("[data-member]", (groups) => groups.map((g) => g.getAttribute("data-member")).sort());
    expect(shown).toEqual(nodes.map((n) => n.name).sort());
    expect(await page.$$eval('[data-member][data-leader="true"], [data-member][data-leader=""]', (g) => g.length)).toBe(1);

    // Some grain traffic, so the charts and the grains panel have something to show.
    await Promise.all(Array.from({ length: 90 }, (_, i) => a.request("ask", { grain: `g${i}`, text: "hi" })));
    await page.waitForFunction(
      () => [...document.querySelectorAll("table.grains td.num")].reduce((sum, td) => sum + Number(td.textContent), 0) === 90,
      undefined,
      { timeout: 10_000 },
    );
    await page.click("#tree-refresh");
    // The grain manager with its 30 activations as children (this node's share of the 90).
    await page.waitForSelector("#tree details summary [data-path='/system/grains']", { timeout: 10_000 });
    expect(await page.locator("#chart-rate canvas").count()).toBe(1);
    await page.screenshot({ path: process.env.TSAKT_DASHBOARD_SCREENSHOT ?? join(profile, "dashboard.png"), fullPage: true });

    const killedAt = await c.kill();
    await page.waitForFunction((name) => document.querySelector(`[data-member="${name}"]`) === null, c.name, { timeout: 15_000 });
    const goneAt = Date.now();
    const declared = await a.waitFor((e) => e.event === "member-left" && e.name === c.name, 1000);
    await eventually("the event log to show member-left", async () => (await page.locator("ol.events li.member-left").count()) > 0);
    console.log(
      `dashboard: killed at +0 ms, declared dead by the dashboard's node at +${declared.at - killedAt} ms, gone from the graph at +${goneAt - killedAt} ms`,
    );
    // The graph follows the cluster's own detection (it is pushed, not polled): gone right after it, and within the
    // detection time of these nodes' failure detector (probe 200 ms, suspicion 800 ms: dead after about 1–2 s).
    expect(goneAt - declared.at).toBeLessThan(1500);
    expect(goneAt - killedAt).toBeLessThan(5000);
    expect(await page.$$eval("[data-member]", (groups) => groups.map((g) => g.getAttribute("data-member")).sort())).toEqual(
      [a.name, b.name].sort(),
    );
    expect(problems).toEqual([]);
  }, 60_000);
});
