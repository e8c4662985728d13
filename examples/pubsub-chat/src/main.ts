// A chat room on pub/sub: users are actors subscribed to the room's topic, and every line said in the room reaches
// every user subscribed at that moment. One user leaves (unsubscribes); one stops, and the room drops it by itself.
import { setTimeout as sleep } from "node:timers/promises";
import { create } from "@bufbuild/protobuf";
import { StringValueSchema } from "@bufbuild/protobuf/wkt";
import { ActorSystem, DeadletterSchema, type PID } from "@tsakt/actor";
import { pubsubOf, pubsub as pubsubPlugin } from "@tsakt/pubsub";

const room = "rooms/lobby";
const log = (line: string) => console.log(line);

await using system = await ActorSystem.start({ name: "chat", plugins: [pubsubPlugin()] });
const pubsub = pubsubOf(system);
system.eventStream.subscribe(DeadletterSchema, (d) => log(`  (dead letter: ${d.reason})`));

// Who heard each line ("alice: hello"), noted by the users as lines reach them.
const heardBy = new Map<string, string[]>();

/** Spawns a user and subscribes it to the room; a user notes each line it hears, under the name of its sender. */
async function join(name: string): Promise<PID> {
  const user = await system.spawnFunc(name, (ctx) => {
    if (ctx.is(StringValueSchema)) heardBy.get(`${ctx.sender?.name}: ${ctx.message.value}`)?.push(ctx.self.name);
  });
  await pubsub.subscribe(room, user);
  return user;
}

/** Publishes `text` in the room with `speaker` as its sender, then prints it with the users who heard it. */
async function say(speaker: PID, text: string): Promise<void> {
  const line = `${speaker.name}: ${text}`;
  heardBy.set(line, []);
  pubsub.publish(room, create(StringValueSchema, { value: text }), speaker);
  // The mediator handles requests in order, so this is the room as it was when the line was published.
  const audience = (await pubsub.subscribers(room)).length;
  for (let i = 0; i < 200 && (heardBy.get(line)?.length ?? 0) < audience; i++) await sleep(5);
  log(`${line.padEnd(34)} -> heard by ${heardBy.get(line)?.sort().join(", ") || "nobody"}`);
}

const members = async () =>
  (await pubsub.subscribers(room))
    .map((pid) => pid.name)
    .sort()
    .join(", ") || "nobody";

const [alice, bob, carol] = [await join("alice"), await join("bob"), await join("carol")];
log(`alice, bob and carol joined ${room}; members: ${await members()}`);
await say(alice, "hello everyone");
await say(bob, "hi alice!");

await pubsub.unsubscribe(room, carol);
log(`carol left the room (unsubscribe); members: ${await members()}`);
await say(carol, "can anyone hear me?");

// The mediator watches its subscribers: a stopped one is dropped from every topic without an unsubscribe.
await system.stopActor(bob);
for (let i = 0; i < 200 && (await members()).includes("bob"); i++) await sleep(5);
log(`bob stopped, and the room dropped him by itself; members: ${await members()}`);
await say(alice, "bob?");

await pubsub.unsubscribe(room, alice);
log(`alice left too; members: ${await members()}`);
await say(alice, "goodbye, empty room");
