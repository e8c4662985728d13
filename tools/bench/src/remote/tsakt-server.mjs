// The far side of the TsAkt remote benchmark: a node with a counting sink and an echo actor on 127.0.0.1.
// Prints {"address": ...} once it listens; exits on SIGTERM. Arguments: busyPollMicros (default 0), then either
// "delivery" (also run the reliable delivery plugin and a reliable consumer "reliable" that counts like the sink),
// "streams" (also run the streams plugin and an actor "streams" that answers an ask UInt64Value {value: n} with a
// StringValue holding the address of a new source reference of n UInt32Values; argument 4 is unused) or a
// shared secret (default none) for the connection set-up bench, which opens connections faster than the default
// handshake rate.
import { create } from "@bufbuild/protobuf";
import { StringValueSchema, UInt32ValueSchema, UInt64ValueSchema } from "@bufbuild/protobuf/wkt";
import { ActorSystem, silentLogger } from "@tsakt/actor";
import { reliableConsumer, reliableDelivery } from "@tsakt/delivery";
import { remoteOf, remoting } from "@tsakt/remote";
import { Source, sourceRef, streams } from "@tsakt/streams";

const delivery = process.argv[3] === "delivery";
const streaming = process.argv[3] === "streams";
const secret = delivery || streaming ? undefined : process.argv[3];

const system = await ActorSystem.start({
  name: "bench-server",
  logger: silentLogger,
  plugins: [
    remoting({
      host: "127.0.0.1",
      port: 0,
      types: [UInt32ValueSchema, UInt64ValueSchema, StringValueSchema],
      busyPollMicros: Number(process.argv[2] ?? 0),
      ...(secret ? { auth: { secret } } : {}),
      maxHandshakesPerSecond: 1_000_000,
    }),
    ...(delivery ? [reliableDelivery()] : []),
    ...(streaming ? [streams()] : []),
  ],
});

/** Counts UInt32Value tells; a UInt64Value ask {value: n} is answered once n tells arrived. */
function counter() {
  let count = 0;
  let waiting;
  return (ctx) => {
    const m = ctx.message;
    if (m.$typeName === "google.protobuf.UInt32Value") {
      count++;
      if (waiting !== undefined && count >= waiting.target) {
        waiting.reply.tell(create(UInt64ValueSchema, { value: BigInt(count) }));
        waiting = undefined;
      }
    } else if (m.$typeName === "google.protobuf.UInt64Value") {
      const target = Number(m.value);
      if (target === 0) count = 0;
      if (count >= target) ctx.respond(create(UInt64ValueSchema, { value: BigInt(count) }));
      else waiting = { target, reply: ctx.sender };
    }
  };
}

await system.spawnFunc("sink", counter());
if (delivery) {
  const receive = counter();
  await system.spawn(
    "reliable",
    reliableConsumer(() => ({ receive }), { window: Number(process.argv[4] ?? 100) }),
  );
}

if (streaming) {
  const element = Object.freeze(create(UInt32ValueSchema, { value: 7 }));
  await system.spawnFunc("streams", async (ctx) => {
    if (ctx.message.$typeName !== "google.protobuf.UInt64Value") return;
    const n = Number(ctx.message.value);
    const ref = await sourceRef(
      system,
      Source.lazy(function* () {
        for (let i = 0; i < n; i++) yield element;
      }),
    );
    ctx.respond(create(StringValueSchema, { value: ref.address }));
  });
}

await system.spawnFunc("echo", (ctx) => ctx.respond(ctx.message));

process.on("SIGTERM", () => void system.stop().then(() => process.exit(0)));
process.stdout.write(`${JSON.stringify({ address: remoteOf(system).address })}\n`);
