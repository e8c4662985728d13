import { existsSync, statSync } from "node:fs";
import { connect } from "node:net";
import { afterAll, describe, expect, it } from "vitest";
import {
  type EtcdHandle,
  type NatsServerHandle,
  type PostgresHandle,
  postgresRunAs,
  skipWithoutBinary,
  startEtcd,
  startNatsServer,
  startPostgres,
} from "../src/index.js";
import { postgresAccepts } from "../src/probes.js";

describe.skipIf(skipWithoutBinary("nats-server"))("startNatsServer", () => {
  let server: NatsServerHandle | undefined;
  afterAll(() => server?.stop());

  it("starts nats-server on a loopback port that greets clients with INFO", async () => {
    server = await startNatsServer();
    expect(server.url).toBe(`nats://127.0.0.1:${server.port}`);
    expect(server.pid).toBeGreaterThan(0);
    expect(await firstLine(server.port)).toMatch(/^INFO \{/);
  });

  it("restarts on the same port with a new process", async () => {
    const before = server!.pid;
    await server!.restart();
    expect(server!.pid).not.toBe(before);
    expect(processAlive(before!)).toBe(false);
    expect(await firstLine(server!.port)).toMatch(/^INFO \{/);
  });

  it("comes back after kill() when restarted, and stop() ends the process and removes its data dir", async () => {
    const killed = server!.pid!;
    await server!.kill();
    expect(server!.running).toBe(false);
    expect(processAlive(killed)).toBe(false);
    await server!.restart();
    expect(await firstLine(server!.port)).toMatch(/^INFO \{/);
    const pid = server!.pid!;
    await server!.stop();
    expect(processAlive(pid)).toBe(false);
    expect(existsSync(server!.dataDir)).toBe(false);
    await expect(server!.restart()).rejects.toThrow(/after stop/);
  });

  it("enables JetStream when asked", async () => {
    const js = await startNatsServer({ jetstream: true });
    try {
      expect(js.jetstream).toBe(true);
      expect(JSON.parse((await firstLine(js.port)).slice(5))).toMatchObject({ jetstream: true });
    } finally {
      await js.stop();
    }
  });
});

describe.skipIf(skipWithoutBinary("etcd"))("startEtcd", () => {
  let etcd: EtcdHandle | undefined;
  afterAll(() => etcd?.stop());

  it("starts a healthy single-member etcd on loopback client and peer ports", async () => {
    etcd = await startEtcd();
    expect(etcd.endpoints).toEqual([`http://127.0.0.1:${etcd.port}`]);
    expect(etcd.peerPort).not.toBe(etcd.port);
    expect(await getJson(`${etcd.url}/health`)).toMatchObject({ health: "true" });
  });

  it("keeps its data across a restart on the same ports", async () => {
    await putKey(etcd!.url, "survivor", "yes");
    const before = etcd!.pid;
    await etcd!.restart();
    expect(etcd!.pid).not.toBe(before);
    expect(await getKey(etcd!.url, "survivor")).toBe("yes");
  });

  it("stops the process and removes its data dir", async () => {
    const pid = etcd!.pid!;
    await etcd!.stop();
    expect(processAlive(pid)).toBe(false);
    expect(existsSync(etcd!.dataDir)).toBe(false);
  });
});

describe.skipIf(skipWithoutBinary("postgres"))("startPostgres", () => {
  let pg: PostgresHandle | undefined;
  afterAll(() => pg?.stop());

  it("starts postgres on a loopback port, as an unprivileged user when run as root", { timeout: 60_000 }, async () => {
    pg = await startPostgres();
    expect(pg.url).toBe(`postgres://tsakt@127.0.0.1:${pg.port}/postgres`);
    expect(await postgresAccepts(pg.port, "tsakt", "postgres")).toBe(true);
    const owner = statSync(pg.dataDir).uid;
    expect(owner).toBe(postgresRunAs()?.uid ?? process.getuid!());
    if (process.getuid!() === 0) expect(owner).not.toBe(0);
  });

  it("halts keeping its data dir, comes back on restart(), and stop() removes the dir", { timeout: 60_000 }, async () => {
    const before = pg!.pid!;
    await pg!.halt();
    expect(processAlive(before)).toBe(false);
    expect(await postgresAccepts(pg!.port, "tsakt", "postgres")).toBe(false);
    expect(existsSync(pg!.dataDir)).toBe(true);
    await pg!.restart();
    expect(await postgresAccepts(pg!.port, "tsakt", "postgres")).toBe(true);
    await pg!.stop();
    expect(existsSync(pg!.dataDir)).toBe(false);
  });
});

function firstLine(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = "";
    const socket = connect({ host: "127.0.0.1", port });
    socket.setTimeout(5000, () => socket.destroy(new Error("no greeting within 5 s")));
    socket.on("error", reject);
    socket.on("data", (chunk: Buffer) => {
      text += chunk.toString("utf8");
      const end = text.indexOf("\r\n");
      if (end >= 0) {
        socket.destroy();
        resolve(text.slice(0, end));
      }
    });
  });
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function getJson(url: string): Promise<unknown> {
  const res = await fetch(url);
  return res.json();
}

// etcd's v3 JSON gateway takes base64 keys and values.
const b64 = (text: string): string => Buffer.from(text).toString("base64");

async function putKey(url: string, key: string, value: string): Promise<void> {
  const res = await fetch(`${url}/v3/kv/put`, { method: "POST", body: JSON.stringify({ key: b64(key), value: b64(value) }) });
  expect(res.status).toBe(200);
}

async function getKey(url: string, key: string): Promise<string | undefined> {
  const res = await fetch(`${url}/v3/kv/range`, { method: "POST", body: JSON.stringify({ key: b64(key) }) });
  const body = (await res.json()) as { kvs?: Array<{ value: string }> };
  const value = body.kvs?.[0]?.value;
  return value === undefined ? undefined : Buffer.from(value, "base64").toString("utf8");
}
