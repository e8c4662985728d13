// Two TsAkt nodes find each other through NATS, then each asks the other's greeter by address. It uses the NATS
// server in NATS_URL, or starts a nats-server of its own (and stops it at the end).
import { create } from "@bufbuild/protobuf";
import { type StringValue, StringValueSchema } from "@bufbuild/protobuf/wkt";
import { type NatsServerHandle, startNatsServer } from "@tsakt/test-servers";
import { type Node, startNode } from "./node.js";

const log = (line: string) => console.log(line);

/** The first peer `node` discovers; request-mode discovery collects answers for 300 ms, so a few tries suffice. */
async function firstPeer(node: Node) {
  for (let attempt = 1; attempt <= 10; attempt++) {
    const [peer] = await node.discovery.discoverPeers();
    if (peer !== undefined) return peer;
  }
  throw new Error(`${node.name} discovered no peer`);
}

let natsUrl = process.env.NATS_URL ?? "";
let server: NatsServerHandle | undefined;
if (natsUrl === "") {
  server = await startNatsServer();
  natsUrl = server.url;
  log(`started nats-server at ${natsUrl}`);
} else log(`using NATS at ${natsUrl}`);

try {
  await using alpha = await startNode("alpha", natsUrl);
  await using beta = await startNode("beta", natsUrl);
  for (const node of [alpha, beta]) log(`${node.name} listens at ${node.address} and registered itself in NATS`);

  for (const node of [alpha, beta]) {
    const peer = await firstPeer(node);
    log(`${node.name} discovered ${peer.name} at ${peer.host}:${peer.port}`);
    const greeter = await node.system.actorOf(`tsakt://${peer.name}@${peer.host}:${peer.port}/user/greeter`);
    const reply = await greeter.ask<StringValue>(create(StringValueSchema, { value: node.name }));
    log(`${node.name} asked ${greeter.address}: "${reply.value}"`);
  }
} finally {
  await server?.stop();
}
log("done: both nodes left NATS and stopped");
