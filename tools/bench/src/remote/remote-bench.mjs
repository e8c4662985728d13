// Remote messaging between two processes on 127.0.0.1: TsAkt (@tsakt/remote) beside comedy 2.1.7 remote actors.
// Prints tell throughput and sequential ask latency (p50/p99) for both, with ratios; for TsAkt also asks with 1,000 in
// flight and tells by name (system.tell(address), through the name cache) beside tells by PID in the same loop.
// Then the cost of opening a connection (dial and handshake), without and with a shared secret.
// Usage: pnpm bench (runs it after the local scenarios), or after `tsc -b`: node tools/bench/src/remote/remote-bench.mjs [--tells N] [--asks N] [--connects N] [--ask-batches N] [--frames N] [--only tsakt|comedy|floor]
// ("floor" runs only the plain node:net echo floors: TCP idle and polling, and a Unix domain socket beside TCP).
import { spawn } from "node:child_process";
import { createRequire } from "node:module";
import { create } from "@bufbuild/protobuf";
import { UInt32ValueSchema, UInt64ValueSchema } from "@bufbuild/protobuf/wkt";
import { ActorSystem, silentLogger } from "@tsakt/actor";
import { remoteOf, remoting } from "@tsakt/remote";
import { roundTripLatency as askLatency, median, percentile } from "./latency.mjs";
import { socketFloor } from "./socket-floor.mjs";

const args = process.argv.slice(2);
const arg = (name, fallback) => {
  const i = args.indexOf(`--${name}`);
  return i < 0 ? fallback : args[i + 1];
};
const tells = Number(arg("tells", 2_000_000));
const asks = Number(arg("asks", 20_000));
const only = arg("only", "");
const comedyTells = Number(arg("comedy-tells", 200_000));
const comedyAsks = Number(arg("comedy-asks", 5_000));
const busyPoll = Number(arg("busy-poll", 50));
const connects = Number(arg("connects", 300));
const askBatches = Number(arg("ask-batches", 50));
const frames = Number(arg("frames", Math.min(200_000, Math.round(tells / 10))));
const benchSecret = "bench-secret-0123456789abcdef0123";

const children = [];
process.on("exit", () => {
  for (const c of children) if (c.exitCode === null) c.kill("SIGKILL");
});

/** Starts `script` beside this one and resolves with the JSON line it prints when ready. */
function startChild(script, ...scriptArgs) {
  const child = spawn(process.execPath, [new URL(script, import.meta.url).pathname, ...scriptArgs], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  children.push(child);
  return new Promise((resolve, reject) => {
    let out = "";
    child.stdout.on("data", (d) => {
      out += d;
      const line = out.split("\n").find((l) => l.startsWith("{"));
      if (line !== undefined) resolve({ child, info: JSON.parse(line) });
    });
    child.once("exit", (code) => reject(new Error(`${script} exited with ${code}`)));
  });
}

async function benchTsakt(busyPollMicros) {
  const { child, info } = await startChild("./tsakt-server.mjs", String(busyPollMicros));
  const system = await ActorSystem.start({
    name: "bench-client",
    logger: silentLogger,
    plugins: [remoting({ host: "127.0.0.1", port: 0, types: [UInt32ValueSchema, UInt64ValueSchema], busyPollMicros })],
  });
  const sink = await remoteOf(system).lookup(`${info.address}/user/sink`);
  const echo = await remoteOf(system).lookup(`${info.address}/user/echo`);
  const countTo = (n) => sink.ask(create(UInt64ValueSchema, { value: BigInt(n) }), { timeoutMs: 120_000 });

  const run = async (n) => {
    await countTo(0);
    const start = performance.now();
    const chunk = 8192;
    let waits = 0;
    for (let sent = 0; sent < n; ) {
      const end = Math.min(n, sent + chunk);
      for (; sent < end; sent++) {
        const m = create(UInt32ValueSchema, { value: sent });
        // A full outbound queue refuses the tell; send() waits for room and sends it then.
        if (!sink.tell(m)) {
          waits++;
          await sink.send(m);
        }
      }
      await new Promise((r) => setImmediate(r));
    }
    if (waits > 0) process.stderr.write(`(tsakt: the outbound queue was full ${waits} times; send() waited)\n`);
    await countTo(n);
    return n / ((performance.now() - start) / 1000);
  };
  // The same loop through system.tell(address, …), which finds the PID in the name cache. Its promise says whether
  // the tell was queued; the run stays under maxOutboundBytes (64 MiB), so none is refused (countTo would wait).
  const sinkAddress = `${info.address}/user/sink`;
  const runByName = async (n) => {
    await countTo(0);
    const start = performance.now();
    for (let sent = 0; sent < n; ) {
      const end = Math.min(n, sent + 8192);
      for (; sent < end; sent++) system.tell(sinkAddress, create(UInt32ValueSchema, { value: sent }));
      await new Promise((r) => setImmediate(r));
    }
    await countTo(n);
    return n / ((performance.now() - start) / 1000);
  };
  await run(Math.min(200_000, tells));
  const tellRate = await run(tells);
  const pairN = Math.min(500_000, tells);
  await runByName(Math.min(200_000, pairN));
  const pair = [];
  for (let i = 0; i < 3; i++) pair.push([await run(pairN), await runByName(pairN)]);
  const byPid = median(pair.map((p) => p[0]));
  const byName = median(pair.map((p) => p[1]));
  const ping = create(UInt32ValueSchema, { value: 1 });
  await askLatency(Math.min(2000, asks), () => echo.ask(ping));
  const latency = await askLatency(asks, () => echo.ask(ping));
  const inFlight = async () => {
    const batch = new Array(1000);
    const start = performance.now();
    for (let b = 0; b < askBatches; b++) {
      for (let i = 0; i < 1000; i++) batch[i] = echo.ask(ping);
      await Promise.all(batch);
    }
    return (askBatches * 1000) / ((performance.now() - start) / 1000);
  };
  await inFlight();
  const askRates = [await inFlight(), await inFlight(), await inFlight()];
  await system.stop();
  child.kill("SIGTERM");
  return { tellRate, ...latency, byPid, byName, pairN, askRate: median(askRates) };
}

async function benchComedy() {
  const { child, info } = await startChild("./comedy-listener.mjs");
  const require = createRequire(import.meta.url);
  const actors = require("comedy");
  const system = actors({ test: true });
  const root = await system.rootActor();
  // comedy ships the class source to the listener, which runs it in a process of its own.
  // The counter field must not be called `count`: it would shadow the count() handler on the instance.
  class Sink {
    initialize() {
      this.received = 0;
    }
    tick() {
      this.received++;
    }
    reset() {
      this.received = 0;
    }
    count() {
      return this.received;
    }
    echo(x) {
      return x;
    }
  }
  const sink = await root.createChild(Sink, { mode: "remote", host: "127.0.0.1", port: info.port });
  const run = async (n) => {
    await sink.sendAndReceive("reset");
    const start = performance.now();
    for (let sent = 0; sent < n; ) {
      const batch = [];
      for (let i = 0; i < 1000 && sent < n; i++, sent++) batch.push(sink.send("tick", sent));
      await Promise.all(batch);
    }
    for (let i = 0; i < 100_000; i++) {
      if ((await sink.sendAndReceive("count")) >= n) break;
      await new Promise((r) => setTimeout(r, 1));
    }
    return n / ((performance.now() - start) / 1000);
  };
  await run(Math.min(20_000, comedyTells));
  const tellRate = await run(comedyTells);
  await askLatency(Math.min(500, comedyAsks), (i) => sink.sendAndReceive("echo", i));
  const latency = await askLatency(comedyAsks, (i) => sink.sendAndReceive("echo", i));
  await system.destroy();
  child.kill("SIGTERM");
  return { tellRate, ...latency };
}

/**
 * Connection set-up: `n` fresh nodes each look the server's echo actor up twice; the first lookup dials, handshakes
 * and looks up, the second only looks up on the open connection. Returns the medians in µs (wall time).
 */
async function benchConnect(secret, n) {
  const { child, info } = await startChild("./tsakt-server.mjs", "0", secret ?? "");
  const auth = secret === undefined ? {} : { auth: { secret } };
  const first = new Float64Array(n);
  const open = new Float64Array(n);
  const target = `${info.address}/user/echo`;
  for (let i = 0; i < n; i++) {
    const system = await ActorSystem.start({
      name: "bench-connect",
      logger: silentLogger,
      plugins: [remoting({ host: "127.0.0.1", port: 0, ...auth })],
    });
    let t = performance.now();
    await remoteOf(system).lookup(target);
    first[i] = (performance.now() - t) * 1000;
    t = performance.now();
    await remoteOf(system).lookup(target);
    open[i] = (performance.now() - t) * 1000;
    await system.stop();
  }
  child.kill("SIGTERM");
  first.sort();
  open.sort();
  const firstP50 = percentile(first, 50);
  const openP50 = percentile(open, 50);
  return { firstP50, openP50, setupP50: firstP50 - openP50 };
}

/** node:net echo between two processes with no framework: the floor under any remote ask on this machine. */
async function rawEcho(n, spin) {
  const { child, info } = await startChild("./raw-echo-server.mjs", spin ? "spin" : "");
  const { connect } = await import("node:net");
  const socket = connect({ host: "127.0.0.1", port: info.port, noDelay: true });
  await new Promise((r) => socket.once("connect", r));
  let spinning = spin;
  const loop = () => spinning && setImmediate(loop);
  loop();
  let wake;
  socket.on("data", () => wake());
  const payload = Buffer.alloc(48);
  const once = () => new Promise((r) => ((wake = r), socket.write(payload)));
  await askLatency(1000, once);
  const latency = await askLatency(n, once);
  spinning = false;
  socket.destroy();
  child.kill("SIGTERM");
  return latency;
}

const results = {};
let floors;
let unixFloor;
if (only !== "comedy") {
  if (only !== "floor") {
    results.tsakt = await benchTsakt(0);
    results.tsaktSpin = await benchTsakt(busyPoll);
  }
  floors = { idle: await rawEcho(Math.min(asks, 10_000), false), spin: await rawEcho(Math.min(asks, 10_000), true) };
  unixFloor = await socketFloor(startChild, {
    roundTrips: Math.min(asks, 10_000),
    frames,
    bulkFrames: Math.max(100, Math.round(frames / 100)),
  });
  if (only !== "floor")
    results.connect = { plain: await benchConnect(undefined, connects), secret: await benchConnect(benchSecret, connects) };
}
if (only !== "tsakt" && only !== "floor") results.comedy = await benchComedy();

const fmt = (n) => (n === undefined ? "-" : n >= 1000 ? Math.round(n).toLocaleString("en-US") : n.toFixed(1));
const rows = [
  ["remote tell throughput (msg/s)", "tellRate", true],
  ["remote ask p50 (µs)", "p50", false],
  ["remote ask p99 (µs)", "p99", false],
];
if (only !== "floor") {
  console.log(
    `remote messaging, two processes on 127.0.0.1 (node ${process.version}; tells: tsakt ${tells.toLocaleString("en-US")}, comedy ${comedyTells.toLocaleString("en-US")}; sequential asks: tsakt ${asks}, comedy ${comedyAsks})`,
  );
  const ratio = (t, c, higherIsBetter) => (t === undefined || c === undefined ? "-" : `${(higherIsBetter ? t / c : c / t).toFixed(2)}x`);
  console.log(
    [
      "scenario".padEnd(32),
      "tsakt".padStart(12),
      `busyPoll ${busyPoll}µs`.padStart(18),
      "comedy".padStart(12),
      "ratio".padStart(9),
      "ratio (busyPoll)".padStart(18),
    ].join(""),
  );
  for (const [label, key, higherIsBetter] of rows) {
    const t = results.tsakt?.[key];
    const s = results.tsaktSpin?.[key];
    const c = results.comedy?.[key];
    console.log(
      [
        label.padEnd(32),
        fmt(t).padStart(12),
        fmt(s).padStart(18),
        fmt(c).padStart(12),
        ratio(t, c, higherIsBetter).padStart(9),
        ratio(s, c, higherIsBetter).padStart(18),
      ].join(""),
    );
  }
  console.log("ratio: how many times better TsAkt is than comedy (throughput / comedy's, or comedy's latency / TsAkt's).");
}
for (const [label, r] of [
  ["tsakt", results.tsakt],
  [`busyPoll ${busyPoll}µs`, results.tsaktSpin],
]) {
  if (r === undefined) continue;
  console.log(
    `${label}: remote ask, 1,000 in flight ${fmt(r.askRate)} ask/s (median of 3 × ${askBatches},000); ` +
      `tell by name (system.tell(address)) ${fmt(r.byName)} vs by PID ${fmt(r.byPid)} msg/s = ${(r.byName / r.byPid).toFixed(2)}× ` +
      `(same loop, N=${r.pairN.toLocaleString("en-US")}, median of 3 alternating)`,
  );
}
if (floors !== undefined)
  console.log(
    `floor: plain node:net echo between two processes, no framework: p50 ${fmt(floors.idle.p50)} / p99 ${fmt(floors.idle.p99)} µs idle, ` +
      `p50 ${fmt(floors.spin.p50)} / p99 ${fmt(floors.spin.p99)} µs with the event loops polling.`,
  );
if (unixFloor !== undefined) {
  const { tcp, unix } = unixFloor;
  const gain = (t, u, higherIsBetter) => `${(higherIsBetter ? u / t : t / u).toFixed(2)}×`;
  console.log(
    `floor, Unix domain socket beside loopback TCP (one echo process, alternating, median of ${unixFloor.rounds}; unix ÷ tcp, >1× = unix better):\n` +
      `  round trip p50 (µs)   tcp ${fmt(tcp.p50)}  unix ${fmt(unix.p50)}  ${gain(tcp.p50, unix.p50, false)}\n` +
      `  round trip p99 (µs)   tcp ${fmt(tcp.p99)}  unix ${fmt(unix.p99)}  ${gain(tcp.p99, unix.p99, false)}\n` +
      `  ${unixFloor.frameBytes}-byte frames, one write each, pipelined (frames/s)   tcp ${fmt(tcp.small)}  unix ${fmt(unix.small)}  ${gain(tcp.small, unix.small, true)}\n` +
      `  64 KiB writes, pipelined (MiB/s)   tcp ${fmt(tcp.bulk)}  unix ${fmt(unix.bulk)}  ${gain(tcp.bulk, unix.bulk, true)}`,
  );
}
if (results.connect !== undefined) {
  const { plain, secret } = results.connect;
  console.log(
    `connection set-up p50 (µs)        ${fmt(plain.setupP50)} plain, ${fmt(secret.setupP50)} shared secret ` +
      `(a fresh node's first lookup, ${fmt(plain.firstP50)} / ${fmt(secret.firstP50)} µs, minus a lookup on the open connection, ` +
      `${fmt(plain.openP50)} / ${fmt(secret.openP50)} µs; median of ${connects})`,
  );
}
process.exit(0);
