/**
 * nact 7.6.2 driver: stateless actors (spawnStateless) under one system; messages with dispatch,
 * request/reply with query (nact requires a timeout per query), replies with dispatch(ctx.sender, …).
 */
import nact from "nact";
import { ASK_TIMEOUT_MS, MSG } from "../message.mjs";

const { start, spawnStateless, dispatch, query, stop } = nact;

/** An actor with no state and nothing to do, the unit of the spawn/memory scenario. */
const idle = () => {};

/** @returns {Promise<import("./driver.mjs").Driver<object>>} */
export async function createDriver() {
  const system = start({ name: "bench" });
  let serial = 0;
  const unique = (prefix) => `${prefix}-${++serial}`;

  return {
    name: "nact",
    stop: () => stop(system),

    counter: (round) =>
      spawnStateless(
        system,
        (msg) => {
          if (msg === MSG) round.tick();
        },
        unique("counter"),
      ),

    tell: (ref) => dispatch(ref, MSG),

    async pingPong(round) {
      const ponger = spawnStateless(
        system,
        (msg, ctx) => {
          if (msg === MSG) dispatch(ctx.sender, MSG, ctx.self);
        },
        unique("ponger"),
      );
      const pinger = spawnStateless(
        system,
        (msg, ctx) => {
          if (msg !== MSG) return;
          round.tick();
          if (round.left > 0) dispatch(ponger, MSG, ctx.self);
        },
        unique("pinger"),
      );
      return () => dispatch(ponger, MSG, pinger);
    },

    responder: () =>
      spawnStateless(
        system,
        (msg, ctx) => {
          if (msg === MSG) dispatch(ctx.sender, MSG, ctx.self);
        },
        unique("responder"),
      ),

    ask: (ref) => query(ref, MSG, ASK_TIMEOUT_MS),

    spawnIdle(refs) {
      for (let i = 0; i < refs.length; i++) refs[i] = spawnStateless(system, idle, `idle-${i}`);
    },

    flooder: (flood) =>
      spawnStateless(
        system,
        (msg, ctx) => {
          if (msg === MSG && flood.step()) dispatch(ctx.self, MSG);
        },
        unique("flooder"),
      ),
  };
}
