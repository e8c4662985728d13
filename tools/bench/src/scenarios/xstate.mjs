/**
 * xstate 5.x driver. Actors are created with createActor(logic, { parent: root }) so that, like the
 * TsAkt and nact actors, they all live in one actor system. Receivers that only count use
 * fromTransition (a reducer, the lightest logic); actors that send use fromCallback (xstate's logic
 * for side effects). xstate has no sender on events and no ask: a reply goes to a ref held by the
 * replier (ping-pong), and a request carries a `reply` callback that resolves the asker's promise.
 * xstate processes an event synchronously inside send() when the target is idle: no scheduler.
 */
import { createActor, fromCallback, fromTransition } from "xstate";
import { MSG } from "../message.mjs";

/** An actor with no state and nothing to do, the unit of the spawn/memory scenario. */
const idle = fromTransition((state) => state, 0);

/** @returns {Promise<import("./driver.mjs").Driver<import("xstate").AnyActorRef>>} */
export async function createDriver() {
  const root = createActor(
    fromCallback(() => {}),
    { id: "bench" },
  ).start();
  let serial = 0;
  const unique = (prefix) => `${prefix}-${++serial}`;
  /** Starts an actor of `logic` as a child of the root, so it shares the root's system. */
  const spawn = (logic, id) => createActor(logic, { parent: root, id }).start();

  return {
    name: "xstate",
    stop: () => root.stop(),

    counter: (round) =>
      spawn(
        fromTransition((count, event) => {
          if (event === MSG) round.tick();
          return count + 1;
        }, 0),
        unique("counter"),
      ),

    tell: (ref) => ref.send(MSG),

    async pingPong(round) {
      const peers = { pinger: undefined };
      const ponger = spawn(
        fromCallback(({ receive }) => {
          receive((event) => {
            if (event === MSG) peers.pinger.send(MSG);
          });
        }),
        unique("ponger"),
      );
      peers.pinger = spawn(
        fromCallback(({ receive }) => {
          receive((event) => {
            if (event !== MSG) return;
            round.tick();
            if (round.left > 0) ponger.send(MSG);
          });
        }),
        unique("pinger"),
      );
      return () => ponger.send(MSG);
    },

    responder: () =>
      spawn(
        fromCallback(({ receive }) => {
          receive((event) => {
            if (event.type === "ask") event.reply(MSG);
          });
        }),
        unique("responder"),
      ),

    ask: (ref) => new Promise((reply) => ref.send({ type: "ask", reply })),

    spawnIdle(refs) {
      for (let i = 0; i < refs.length; i++) refs[i] = spawn(idle, `idle-${i}`);
    },

    flooder: (flood) =>
      spawn(
        fromCallback(({ receive, self }) => {
          receive((event) => {
            if (event === MSG && flood.step()) self.send(MSG);
          });
        }),
        unique("flooder"),
      ),
  };
}
