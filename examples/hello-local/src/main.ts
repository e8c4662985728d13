// The smallest useful TsAkt program: start a system, spawn a greeter, tell it twice, ask it once, stop it.
import { type Actor, ActorSystem, type Context, type ReceiveContext } from "@tsakt/actor";

/** Asks the greeter to greet someone; it prints the greeting and expects no reply. */
class Greet {
  constructor(readonly name: string) {}
}

/** Asks the greeter how many people it has greeted; it replies with a number. */
class HowMany {}

/** Greets people and remembers how many; the count lives in the instance, so a restart would reset it. */
class Greeter implements Actor {
  private greeted = 0;

  receive(ctx: ReceiveContext): void {
    const message = ctx.message;
    if (message instanceof Greet) {
      this.greeted++;
      console.log(`hello, ${message.name}`);
    } else if (message instanceof HowMany) {
      ctx.respond(this.greeted);
    }
    // Anything else (PostStart, the first message of every actor, included) needs no answer.
  }

  postStop(ctx: Context): void {
    console.log(`${ctx.self.name} stopped after ${this.greeted} greetings`);
  }
}

// `await using` stops the system, and any actor still running, when the module ends.
await using system = await ActorSystem.start({ name: "hello" });
const greeter = await system.spawn("greeter", () => new Greeter());

// tell: fire and forget; messages from one sender arrive in order.
greeter.tell(new Greet("Ada"));
greeter.tell(new Greet("Grace"));

// ask: request and reply; it comes after both greetings because the mailbox is processed in order.
const count = await greeter.ask<number>(new HowMany(), { timeoutMs: 1000 });
console.log(`${greeter.address} has greeted ${count} people`);

await system.stopActor(greeter);
console.log(`greeter alive: ${greeter.isAlive()}`);
