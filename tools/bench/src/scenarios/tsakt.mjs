/**
 * TsAkt driver: function actors (spawnFunc) on one ActorSystem with the default dispatcher
 * (throughput 32, sliceMs 2). Senders outside any actor use pid.tell; actors reply with ctx.tell / ctx.respond.
 */
import { ActorSystem, batchTell, router, silentLogger } from "@tsakt/actor";
import { ASK_TIMEOUT_MS, MSG } from "../message.mjs";

/** @typedef {import("@tsakt/actor").PID} PID */

/** An actor with no state and nothing to do, the unit of the spawn/memory scenario. */
const idle = () => {};

/** @returns {Promise<import("./driver.mjs").Driver<PID>>} */
export async function createDriver() {
  const system = await ActorSystem.start({ name: "bench", logger: silentLogger, askTimeoutMs: ASK_TIMEOUT_MS });
  let serial = 0;
  const unique = (prefix) => `${prefix}-${++serial}`;

  return {
    name: "tsakt",
    stop: () => system.stop(),

    counter: (round) =>
      system.spawnFunc(unique("counter"), (ctx) => {
        if (ctx.message === MSG) round.tick();
      }),

    tell: (pid) => pid.tell(MSG),

    batchTell: (pid, messages) => batchTell(pid, messages),

    async namedCounter(round) {
      const name = unique("named");
      const ref = await system.spawnFunc(name, (ctx) => {
        if (ctx.message === MSG) round.tick();
      });
      return { name, ref };
    },

    tellByName: (name) => system.tell(name, MSG),

    router: (round, size) =>
      system.spawn(
        unique("router"),
        router({
          strategy: "round-robin",
          poolSize: size,
          routee: () => ({
            receive(ctx) {
              if (ctx.message === MSG) round.tick();
            },
          }),
        }),
      ),

    async pingPong(round) {
      const ponger = await system.spawnFunc(unique("ponger"), (ctx) => {
        if (ctx.message === MSG) ctx.respond(MSG);
      });
      const pinger = await system.spawnFunc(unique("pinger"), (ctx) => {
        if (ctx.message !== MSG) return;
        round.tick();
        if (round.left > 0) ctx.tell(ponger, MSG);
      });
      return () => ponger.tell(MSG, pinger);
    },

    responder: () =>
      system.spawnFunc(unique("responder"), (ctx) => {
        if (ctx.message === MSG) ctx.respond(MSG);
      }),

    ask: (pid) => pid.ask(MSG),

    async spawnIdle(refs) {
      for (let i = 0; i < refs.length; i++) refs[i] = await system.spawnFunc(`idle-${i}`, idle);
    },

    flooder: (flood) =>
      system.spawnFunc(unique("flooder"), (ctx) => {
        if (ctx.message === MSG && flood.step()) ctx.tell(ctx.self, MSG);
      }),
  };
}
