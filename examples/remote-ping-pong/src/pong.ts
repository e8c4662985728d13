// The pong node: a separate OS process that main.ts forks. It serves one actor, "pong", and tells its parent
// where it listens over the IPC channel.
import { create } from "@bufbuild/protobuf";
import { file_google_protobuf_wrappers, StringValueSchema, UInt32ValueSchema } from "@bufbuild/protobuf/wkt";
import { ActorSystem } from "@tsakt/actor";
import { remoteOf, remoting } from "@tsakt/remote";

// Port 0: the OS picks a free port, and the address reported below carries it.
const system = await ActorSystem.start({
  name: "pong",
  plugins: [remoting({ host: "127.0.0.1", port: 0, types: [file_google_protobuf_wrappers] })],
});

await system.spawnFunc("pong", (ctx) => {
  // A ping is a number; the pong is the same number, sent back to whoever sent it (an actor in another process).
  if (ctx.is(UInt32ValueSchema)) ctx.respond(ctx.message);
  else if (ctx.is(StringValueSchema))
    ctx.respond(create(StringValueSchema, { value: `pong (pid ${process.pid}) heard "${ctx.message.value}"` }));
});

process.send?.({ address: remoteOf(system).address });
// Nobody left to play with once the parent is gone: the IPC channel closes, and this process ends too.
process.once("disconnect", () => void system.stop().finally(() => process.exit(0)));
