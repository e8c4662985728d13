// Remote ping-pong: this process forks a pong node, looks its actor up by address, plays ping-pong between actors in
// two OS processes, asks it a question, watches it, and sees Terminated once the pong process is killed.
import { fork } from "node:child_process";
import { create } from "@bufbuild/protobuf";
import { file_google_protobuf_wrappers, type StringValue, StringValueSchema } from "@bufbuild/protobuf/wkt";
import { ActorSystem, TerminatedSchema } from "@tsakt/actor";
import { remoteOf, remoting } from "@tsakt/remote";
import { Pinger } from "./pinger.js";

const rounds = 1000;
const log = (line: string) => console.log(line);

// The pong process reports its address once it listens; the IPC channel also ends it if this process dies first.
const pongProcess = fork(new URL("./pong.js", import.meta.url), { stdio: ["ignore", "inherit", "inherit", "ipc"] });
process.once("exit", () => pongProcess.kill("SIGKILL"));
const pongNode = await new Promise<string>((resolve, reject) => {
  pongProcess.once("message", (m) => resolve((m as { address: string }).address));
  pongProcess.once("exit", (code) => reject(new Error(`the pong process exited early (code ${code})`)));
});

// Only protobuf messages with known types cross processes: both nodes register the well-known wrapper types.
await using system = await ActorSystem.start({ name: "ping", plugins: [remoting({ types: [file_google_protobuf_wrappers] })] });
const pong = await system.actorOf(`${pongNode}/user/pong`);
log(`1. ${remoteOf(system).address} found ${pong.address} (pong process ${pongProcess.pid})`);

let finished!: (roundTripsMs: number[]) => void;
const played = new Promise<number[]>((resolve) => (finished = resolve));
const started = performance.now();
await system.spawn("ping", () => new Pinger(pong, rounds, finished));
const roundTrips = (await played).sort((a, b) => a - b);
const percentile = (p: number) => (roundTrips[Math.floor(p * (roundTrips.length - 1))] ?? 0).toFixed(3);
log(
  `2. ${rounds} ping/pong rounds in ${(performance.now() - started).toFixed(0)} ms: median ${percentile(0.5)} ms, p99 ${percentile(0.99)} ms per round trip`,
);

const answer = await pong.ask<StringValue>(create(StringValueSchema, { value: "are you there?" }), { timeoutMs: 2000 });
log(`3. remote ask answered: ${answer.value}`);

let terminated!: (address: string) => void;
const gone = new Promise<string>((resolve) => (terminated = resolve));
await system.spawn("watcher", () => ({
  preStart: (ctx) => ctx.watch(pong),
  receive: (ctx) => {
    if (ctx.is(TerminatedSchema)) terminated(ctx.message.address);
  },
}));
pongProcess.kill("SIGKILL");
log(`4. watcher got Terminated for ${await gone} after the pong process was killed with SIGKILL`);
await pong
  .ask(create(StringValueSchema, { value: "still there?" }), { timeoutMs: 2000 })
  .catch((e: Error) => log(`5. an ask after the kill fails at once: ${e.name}`));
log("done: the ping system stops on scope exit");
