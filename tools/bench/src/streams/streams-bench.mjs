/**
 * Stream throughput across two processes on 127.0.0.1 (@tsakt/streams) beside plain remote tell, in the same run, as a
 * ratio. The far side is ../remote/tsakt-server.mjs with its "streams" argument: for each round it offers a source
 * reference of N UInt32Values, and this process runs remoteSource(address, { window }).runWith(Sink.ignore()), timed
 * from the ask for the reference until the sink counted the last element (the stream flows server → here; plain tells
 * flow here → server and are timed until the server counted the last one). Runs against the built packages (dist):
 *
 *   npx tsc -b && node tools/bench/src/streams/streams-bench.mjs [--quick] [--json]
 *
 * Each row is the median of 3 measured rounds after a full-size warm-up round.
 */
import { create } from "@bufbuild/protobuf";
import { StringValueSchema, UInt32ValueSchema, UInt64ValueSchema } from "@bufbuild/protobuf/wkt";
import { ActorSystem, silentLogger } from "@tsakt/actor";
import { remoteOf, remoting } from "@tsakt/remote";
import { remoteSource, Sink, streams } from "@tsakt/streams";
import { formatRate, medianRate, startTsaktServer } from "../remote/bench-server.mjs";

const quick = process.argv.includes("--quick");
const json = process.argv.includes("--json");
const N = quick ? 10_000 : 100_000;
const WINDOWS = [32, 256];
const message = Object.freeze(create(UInt32ValueSchema, { value: 7 }));

const { child, address } = await startTsaktServer(["0", "streams"]);
const system = await ActorSystem.start({
  name: "bench-client",
  logger: silentLogger,
  plugins: [remoting({ host: "127.0.0.1", port: 0, types: [UInt32ValueSchema, UInt64ValueSchema, StringValueSchema] }), streams()],
});
const sink = await remoteOf(system).lookup(`${address}/user/sink`);
const offers = await remoteOf(system).lookup(`${address}/user/streams`);
const plain = await medianRate(N, async (n) => {
  await sink.ask(create(UInt64ValueSchema, { value: 0n }));
  for (let i = 0; i < n; i++) sink.tell(message);
  await sink.ask(create(UInt64ValueSchema, { value: BigInt(n) }), { timeoutMs: 120_000 });
});
const rows = [{ scenario: `remote plain tell (N=${N})`, rate: plain, ratio: 1 }];
for (const window of WINDOWS) {
  const streamed = await medianRate(N, async (n) => {
    const ref = await offers.ask(create(UInt64ValueSchema, { value: BigInt(n) }));
    const count = await remoteSource(system, ref.value, { window }).runWith(Sink.ignore());
    if (count !== n) throw new Error(`the stream delivered ${count} of ${n} elements`);
  });
  rows.push({ scenario: `remote stream, window ${window}`, rate: streamed, ratio: streamed / plain });
}
await system.stop();
child.kill("SIGTERM");

const fmt = formatRate;
if (json) console.log(JSON.stringify(rows));
else {
  console.log(`${"scenario".padEnd(40)}${"msg/s".padStart(10)}${"vs plain".padStart(10)}`);
  for (const row of rows) console.log(`${row.scenario.padEnd(40)}${fmt(row.rate).padStart(10)}${`${row.ratio.toFixed(2)}×`.padStart(10)}`);
}
