import { create } from "@bufbuild/protobuf";
import { file_google_protobuf_wrappers, StringValueSchema } from "@bufbuild/protobuf/wkt";
import { ActorSystem, InvalidOptionError, type Plugin, silentLogger } from "@tsakt/actor";
import { grains } from "@tsakt/grains";
import { management, managementOf } from "@tsakt/management";
import { TestClock } from "@tsakt/testkit";
import { afterEach, describe, expect, it } from "vitest";
import { call, expectSchema } from "./helpers.js";

const token = "0123456789abcdef-test-token";
const systems: ActorSystem[] = [];

async function start(plugins: Plugin[], clock?: TestClock): Promise<{ system: ActorSystem; url: string }> {
  const system = await ActorSystem.start({ name: "mgmt", logger: silentLogger, plugins, ...(clock ? { clock } : {}) });
  systems.push(system);
  return { system, url: managementOf(system).url };
}

afterEach(async () => {
  await Promise.all(systems.splice(0).map((s) => s.stop()));
});

describe("management options", () => {
  it("refuses to listen beyond loopback without a token, and a short token", () => {
    expect(() => management({ host: "0.0.0.0" })).toThrow(InvalidOptionError);
    expect(() => management({ host: "0.0.0.0" })).toThrow(/token/);
    expect(() => management({ token: "short" })).toThrow(/at least 16/);
    expect(() => management({ prot: 1 } as never)).toThrow(/prot: is not a management option/);
    expect(() => management({ host: "0.0.0.0", token })).not.toThrow();
    expect(() => management({ host: "127.0.0.2", port: 0 })).not.toThrow();
  });
});

describe("the management endpoint of one node", () => {
  it("answers probes, status, actors (paged), grains and history, each matching the published schema", async () => {
    const clock = new TestClock();
    const { system, url } = await start(
      [
        grains({
          kinds: { counter: { factory: () => ({ onReceive: (ctx) => ctx.respond(create(StringValueSchema, { value: "ok" })) }) } },
        }),
        management({ port: 0, sampleIntervalMs: 20 }),
      ],
      clock,
    );
    const parent = await system.spawnFunc("parent", async (ctx) => {
      if (ctx.message === "spawn") {
        for (let i = 0; i < 5; i++) await ctx.spawn(`child-${i}`, () => ({ receive: () => {} }));
        ctx.respond("done");
      }
    });
    await parent.ask("spawn");
    const { grainOf } = await import("@tsakt/grains");
    for (const id of ["a", "b", "c"]) await grainOf(system, "counter", id).ask("hi");

    const alive = await call(url, "/alive");
    expect(alive).toMatchObject({ status: 200, body: { status: "alive" } });
    expectSchema("Health", alive.body);
    expect((await call(url, "/ready")).body).toEqual({ status: "ready" });

    const status = await call(url, "/status");
    expectSchema("Status", status.body);
    expect(status.body.node.actors).toBe(system.actorCount);
    expect(status.body.node.grains).toEqual({ enabled: true, active: 3, kinds: [{ kind: "counter", active: 3 }] });

    const page1 = await call(url, "/actors?under=/user&limit=4");
    expectSchema("ActorPage", page1.body);
    expect(page1.body.total).toBe(6);
    expect(page1.body.actors.map((a: { path: string }) => a.path)).toEqual([
      "/user/parent",
      "/user/parent/child-0",
      "/user/parent/child-1",
      "/user/parent/child-2",
    ]);
    const page2 = await call(url, "/actors?under=/user&limit=4&offset=4");
    expect(page2.body.actors.map((a: { path: string }) => a.path)).toEqual(["/user/parent/child-3", "/user/parent/child-4"]);
    expect(page1.body.actors[0]).toMatchObject({ depth: 1, children: 5, state: "running" });
    expect((await call(url, "/actors?under=/user/nobody")).status).toBe(404);
    expect((await call(url, "/actors?limit=0")).status).toBe(400);

    const grainsView = await call(url, "/grains");
    expectSchema("GrainsResponse", grainsView.body);
    expect(grainsView.body.kinds).toEqual([{ kind: "counter", active: 3 }]);

    await clock.advance(60);
    const history = await call(url, "/stats/history");
    expectSchema("History", history.body);
    expect(history.body.samples.length).toBeGreaterThan(1);
    expect(history.body.samples.at(-1)).toMatchObject({ actors: system.actorCount, grains: 3 });
    expectSchema("Error", (await call(url, "/nowhere")).body);
    expect(Object.keys((await call(url, "/schema.json")).body.$defs)).toEqual(
      expect.arrayContaining(["MembersView", "NodeStats", "LiveHello"]),
    );
  });

  it("refuses a request without the token (401) and accepts it as a bearer header or access_token; probes need none", async () => {
    const { url } = await start([management({ port: 0, token })]);
    const refused = await call(url, "/status");
    expect(refused.status).toBe(401);
    expect(refused.body.error).toBe("Unauthorized");
    expect(refused.headers.get("www-authenticate")).toMatch(/Bearer/);
    expect((await call(url, "/status", { token: "0123456789abcdef-wrong-token" })).status).toBe(401);
    expect((await call(url, "/live")).status).toBe(401);
    expect((await call(url, "/status", { token })).status).toBe(200);
    expect((await call(url, `/status?access_token=${token}`)).status).toBe(200);
    expect((await call(url, "/ready")).status).toBe(200);
    expect((await call(url, "/alive")).status).toBe(200);
    // The dashboard's page and scripts hold no data; its API calls carry the token.
    expect((await call(url, "/dashboard/")).status).toBe(200);
  });

  it("asks an actor with protobuf JSON and answers its reply as protobuf JSON; a read-only endpoint refuses", async () => {
    const { system, url } = await start([management({ port: 0, types: [file_google_protobuf_wrappers] })]);
    await system.spawnFunc("echo", (ctx) => {
      const m = ctx.message as { value?: string };
      ctx.respond(create(StringValueSchema, { value: `echo ${m.value}` }));
    });
    const asked = await call(url, "/actors/ask", {
      method: "POST",
      body: { name: "echo", message: { "@type": "type.googleapis.com/google.protobuf.StringValue", value: "hi" } },
    });
    expect(asked.body).toEqual({ name: "echo", type: "google.protobuf.StringValue", message: "echo hi" });
    expectSchema("AskReply", asked.body);
    const typed = await call(url, "/actors/ask", {
      method: "POST",
      body: { name: "echo", type: "google.protobuf.StringValue", message: "x" },
    });
    expect(typed.body.message).toBe("echo x");
    expect(
      (await call(url, "/actors/ask", { method: "POST", body: { name: "missing", type: "google.protobuf.StringValue", message: "x" } }))
        .status,
    ).toBe(404);
    expect((await call(url, "/actors/ask", { method: "POST", body: { name: "echo", type: "no.Such", message: {} } })).body.error).toBe(
      "UnknownMessageType",
    );
    expect((await call(url, "/actors/ask")).status).toBe(405);

    const readOnly = await start([management({ port: 0, readOnly: true })]);
    const refused = await call(readOnly.url, "/actors/ask", { method: "POST", body: { name: "echo", message: {} } });
    expect(refused).toMatchObject({ status: 403, body: { error: "ReadOnly" } });
  });

  it("serves Prometheus text metrics through the OpenTelemetry exporter when asked to", async () => {
    const { system, url } = await start([management({ port: 0, prometheus: true })]);
    for (let i = 0; i < 7; i++) await system.spawnFunc(`a${i}`, () => {});
    const response = await fetch(`${url}/metrics`);
    expect(response.status).toBe(200);
    const text = await response.text();
    expect(text).toMatch(/^# HELP tsakt_actors_live/m);
    expect(text).toMatch(new RegExp(`tsakt_actors_live\\{[^}]*tsakt_system="mgmt"[^}]*\\} ${system.actorCount}\\b`));
    expect(text).toMatch(/tsakt_messages_processed_total\{/);
    const off = await start([management({ port: 0 })]);
    expect((await call(off.url, "/metrics")).status).toBe(404);
  });

  it("serves the dashboard's page, modules and uPlot, and nothing outside them", async () => {
    const { url } = await start([management({ port: 0 })]);
    const page = await fetch(`${url}/dashboard/`);
    expect(page.headers.get("content-security-policy")).toContain("default-src 'self'");
    expect(await page.text()).toContain('<script type="module" src="app.js">');
    expect((await fetch(`${url}/dashboard/app.js`)).status).toBe(200);
    expect(await (await fetch(`${url}/dashboard/vendor/uplot.js`)).text()).toContain("uPlot");
    expect((await fetch(`${url}/dashboard/..%2Fpackage.json`)).status).toBe(404);
    expect((await fetch(`${url}/`, { redirect: "manual" })).headers.get("location")).toBe("/dashboard/");
  });
});
