/**
 * The contract every library driver implements. A driver builds actors the idiomatic way for its library;
 * the workloads (../workloads.mjs) do all looping, timing and counting, identically for every library.
 *
 * @template Ref
 * @typedef {object} Driver
 * @property {string} name Library name as printed in the table.
 * @property {() => Promise<void> | void} stop Stops the actor system.
 * @property {(round: import("../message.mjs").Countdown) => Promise<Ref> | Ref} counter
 *   An actor that calls round.tick() for every MSG it processes.
 * @property {(ref: Ref) => unknown} tell Sends MSG from outside any actor, fire and forget.
 * @property {(round: import("../message.mjs").Countdown) => Promise<() => void>} pingPong
 *   Two actors bouncing MSG, each reply a tell back; the pinger ticks per reply and stops serving when
 *   round.left reaches 0. Returns a function that serves the first ball.
 * @property {() => Promise<Ref> | Ref} responder An actor that replies MSG to every request.
 * @property {(ref: Ref) => Promise<unknown>} ask One request/reply round trip to a responder.
 * @property {(refs: Ref[]) => Promise<void> | void} spawnIdle
 *   Fills refs with refs.length new idle actors named idle-0, idle-1, …
 * @property {(flood: import("../message.mjs").Flood) => Promise<Ref> | Ref} flooder
 *   An actor that sends MSG back to itself while flood.step() says so.
 * @property {(ref: Ref, messages: unknown[]) => unknown} [batchTell]
 *   Sends all `messages` to ref in one call (TsAkt's batchTell); only drivers that have it.
 * @property {(round: import("../message.mjs").Countdown) => Promise<{ name: string, ref: Ref }>} [namedCounter]
 *   A counter with a known name, for send by name; only drivers that have it.
 * @property {(name: string) => unknown} [tellByName]
 *   Tells the counter by its name (TsAkt's system.tell(name, msg)); only drivers that have it.
 */
export {};
