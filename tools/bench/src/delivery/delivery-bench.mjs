/**
 * Reliable delivery (@tsakt/delivery) beside plain tell, in the same run: one process (local) and two processes on
 * 127.0.0.1 (remote; the far side is ../remote/tsakt-server.mjs with its "delivery" argument). A reliable run is timed
 * from the first send until flush() resolved (the consumer processed and confirmed every message); a plain run from
 * the first tell until the receiver counted the last one. Runs against the built packages (dist), so build first:
 *
 *   npx tsc -b && node tools/bench/src/delivery/delivery-bench.mjs [--quick] [--json] [--window 100]
 *
 * Each row is the median of 3 measured rounds after a full-size warm-up round.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { create } from "@bufbuild/protobuf";
import { UInt32ValueSchema, UInt64ValueSchema } from "@bufbuild/protobuf/wkt";
import { ActorSystem, silentLogger } from "@tsakt/actor";
import { reliableConsumer, reliableDelivery, reliableProducer } from "@tsakt/delivery";
import { LmdbEventJournal } from "@tsakt/persistence-lmdb";
import { remoteOf, remoting } from "@tsakt/remote";
import { formatRate, medianRate, startTsaktServer } from "../remote/bench-server.mjs";

const quick = process.argv.includes("--quick");
const json = process.argv.includes("--json");
const windowArg = process.argv.indexOf("--window");
const WINDOW = windowArg > 0 ? Number(process.argv[windowArg + 1]) : 100;
const LOCAL_N = quick ? 20_000 : 300_000;
const REMOTE_N = quick ? 10_000 : 100_000;
const DURABLE_N = quick ? 5_000 : 30_000;
const message = Object.freeze(create(UInt32ValueSchema, { value: 7 }));

/** Sends n messages through `producer` as fast as its buffer allows, then waits until all are confirmed. */
async function sendAll(producer, n) {
  for (let i = 0; i < n; i++) if (!producer.offer(message)) await producer.ready().then(() => producer.send(message));
  await producer.flush();
}

let producers = 0;
async function reliableRun(system, destination, journal) {
  const options = journal === undefined ? { destination } : { destination, journal, id: `bench-${++producers}` };
  return async (n) => {
    const producer = await reliableProducer(system, options);
    await sendAll(producer, n);
    await producer.close();
  };
}

async function local() {
  const system = await ActorSystem.start({ name: "bench-local", logger: silentLogger, plugins: [reliableDelivery()] });
  let count = 0;
  let target = 0;
  let done = () => undefined;
  const count1 = () => {
    if (++count === target) done();
  };
  const plainPid = await system.spawnFunc("plain", count1);
  const reliablePid = await system.spawn(
    "reliable",
    reliableConsumer(() => ({ receive: count1 }), { window: WINDOW }),
  );
  const counted = (n) => {
    count = 0;
    target = n;
    return new Promise((resolve) => {
      done = resolve;
    });
  };
  const plain = await medianRate(LOCAL_N, async (n) => {
    const all = counted(n);
    for (let i = 0; i < n; i++) plainPid.tell(message);
    await all;
  });
  const send = await reliableRun(system, reliablePid);
  const reliable = await medianRate(LOCAL_N, async (n) => {
    counted(n);
    await send(n);
  });
  await system.stop();
  return { plain, reliable };
}

async function remote() {
  const { child, address } = await startTsaktServer(["0", "delivery", String(WINDOW)]);
  const system = await ActorSystem.start({
    name: "bench-client",
    logger: silentLogger,
    plugins: [remoting({ host: "127.0.0.1", port: 0, types: [UInt32ValueSchema, UInt64ValueSchema] }), reliableDelivery()],
  });
  const sink = await remoteOf(system).lookup(`${address}/user/sink`);
  const plain = await medianRate(REMOTE_N, async (n) => {
    await sink.ask(create(UInt64ValueSchema, { value: 0n }));
    for (let i = 0; i < n; i++) sink.tell(message);
    await sink.ask(create(UInt64ValueSchema, { value: BigInt(n) }), { timeoutMs: 120_000 });
  });
  const destination = `${address}/user/reliable`;
  const reliable = await medianRate(REMOTE_N, await reliableRun(system, destination));
  const dir = mkdtempSync(join(tmpdir(), "tsakt-delivery-bench-"));
  const journal = new LmdbEventJournal({ path: dir, noSync: true });
  const durable = await medianRate(DURABLE_N, await reliableRun(system, destination, journal));
  await journal.close();
  rmSync(dir, { recursive: true, force: true });
  await system.stop();
  child.kill("SIGTERM");
  return { plain, reliable, durable };
}

const fmt = formatRate;
const l = await local();
const r = await remote();
const rows = [
  { scenario: `local   plain tell (N=${LOCAL_N})`, rate: l.plain, ratio: 1 },
  { scenario: `local   reliable, window ${WINDOW}`, rate: l.reliable, ratio: l.reliable / l.plain },
  { scenario: `remote  plain tell (N=${REMOTE_N})`, rate: r.plain, ratio: 1 },
  { scenario: `remote  reliable, window ${WINDOW}`, rate: r.reliable, ratio: r.reliable / r.plain },
  { scenario: `remote  reliable + LMDB journal (N=${DURABLE_N})`, rate: r.durable, ratio: r.durable / r.plain },
];
if (json) console.log(JSON.stringify(rows));
else {
  console.log(`${"scenario".padEnd(48)}${"msg/s".padStart(10)}${"vs plain".padStart(10)}`);
  for (const row of rows) console.log(`${row.scenario.padEnd(48)}${fmt(row.rate).padStart(10)}${`${row.ratio.toFixed(2)}×`.padStart(10)}`);
}
