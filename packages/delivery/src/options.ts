import { InvalidOptionError, type PID } from "@tsakt/actor";
import type { EventJournal, StateStore } from "@tsakt/persistence";

/** Where a producer sends: a PID (a local or remote actor, a grain handle) or a name or address for system.actorOf. */
export type Destination = PID | string;

/** Options of reliableProducer(system, options). */
export interface ProducerOptions {
  /** The consumer: a PID (actor, remote actor, grain handle) or a name/address looked up with system.actorOf, again after a silence (a relocated actor). */
  destination: Destination;
  /** Identifies the producer to its consumers (they de-duplicate by id and sequence number); required with `journal`. Default: a random id. */
  id?: string;
  /** Most messages held unconfirmed (sent or waiting for demand); send() waits while it is full. Default: 1000. */
  bufferSize?: number;
  /** How long the consumer may stay silent while messages are outstanding before the producer says Hello again (and resends what was lost). Default: 1000. */
  resendIntervalMs?: number;
  /** Longest pause between Hellos to a consumer that does not answer (the pause doubles from resendIntervalMs). Default: 30000. */
  maxResendIntervalMs?: number;
  /** Makes the unconfirmed messages survive a producer crash: each is appended before send() resolves, and replayed by the next producer with this id. Default: none (in memory). */
  journal?: EventJournal;
}

/** ProducerOptions with defaults applied. */
export interface ResolvedProducerOptions {
  readonly destination: Destination;
  readonly id: string;
  readonly bufferSize: number;
  readonly resendIntervalMs: number;
  readonly maxResendIntervalMs: number;
  readonly journal: EventJournal | undefined;
}

/** When a consumer with a progress store writes its progress: after each message, or coalesced in the background. */
export type ProgressWrites = "each" | "batched";

/** Options of reliableConsumer(factory, options). */
export interface ConsumerOptions {
  /** Messages a producer may have outstanding with this consumer (sent, not yet processed): the bound of its mailbox per producer. Default: 100. */
  window?: number;
  /** Keeps the consumer's progress (per producer) in this StateStore from @tsakt/persistence or a backend, so a relocated or restarted consumer resumes where it stopped; a message is confirmed only once its progress is stored. Default: none (in memory, with the actor). */
  progress?: StateStore;
  /** The consumer's identity in the progress store: keys are "delivery-consumer/<name>/<producer id>". Default: the actor's path (a relocated cluster actor keeps it). */
  name?: string;
  /** "each": the next message waits until this one's progress is stored (after a crash at most one processed message is delivered again); "batched": writes are coalesced in the background (after a crash up to `window`; a graceful stop waits for the write). Default: "each". */
  progressWrites?: ProgressWrites;
}

/** ConsumerOptions with defaults applied. */
export interface ResolvedConsumerOptions {
  readonly window: number;
  readonly progress: StateStore | undefined;
  readonly name: string | undefined;
  readonly progressWrites: ProgressWrites;
}

const positiveInteger = (value: unknown): value is number => typeof value === "number" && Number.isSafeInteger(value) && value > 0;
const positiveMs = (value: unknown): value is number => typeof value === "number" && Number.isFinite(value) && value > 0;

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null;
}

let nextId = 0;

/** Checks producer options; InvalidOptionError names the field. */
export function resolveProducerOptions(options: unknown): ResolvedProducerOptions {
  if (!isObject(options)) throw new InvalidOptionError("options", "must be an object { destination, id?, bufferSize?, … }");
  const o = options as Partial<ProducerOptions>;
  const destination = o.destination;
  const isPid = isObject(destination) && typeof (destination as Partial<PID>).tell === "function";
  if (!isPid && !(typeof destination === "string" && destination.length > 0))
    throw new InvalidOptionError("destination", "must be a PID, a grain handle, or an actor name or address");
  if (o.id !== undefined && !(typeof o.id === "string" && o.id.length > 0 && o.id.length <= 256))
    throw new InvalidOptionError("id", "must be a non-empty string of at most 256 characters");
  if (o.journal !== undefined) {
    const j = o.journal as Partial<EventJournal>;
    if (typeof j.append !== "function" || typeof j.replay !== "function" || typeof j.deleteUpTo !== "function")
      throw new InvalidOptionError("journal", "must be an EventJournal from @tsakt/persistence or a backend package");
    if (o.id === undefined)
      throw new InvalidOptionError("id", "is required with a journal: the next producer with this id replays its messages");
  }
  if (o.bufferSize !== undefined && !positiveInteger(o.bufferSize))
    throw new InvalidOptionError("bufferSize", "must be a positive integer");
  if (o.resendIntervalMs !== undefined && !positiveMs(o.resendIntervalMs))
    throw new InvalidOptionError("resendIntervalMs", "must be a positive number of milliseconds");
  if (o.maxResendIntervalMs !== undefined && !positiveMs(o.maxResendIntervalMs))
    throw new InvalidOptionError("maxResendIntervalMs", "must be a positive number of milliseconds");
  const resendIntervalMs = o.resendIntervalMs ?? 1000;
  const maxResendIntervalMs = o.maxResendIntervalMs ?? Math.max(30_000, resendIntervalMs);
  if (maxResendIntervalMs < resendIntervalMs) throw new InvalidOptionError("maxResendIntervalMs", "must not be below resendIntervalMs");
  return {
    destination: destination as Destination,
    id: o.id ?? `producer-${process.pid}-${Date.now().toString(36)}-${(nextId++).toString(36)}-${Math.random().toString(36).slice(2, 8)}`,
    bufferSize: o.bufferSize ?? 1000,
    resendIntervalMs,
    maxResendIntervalMs,
    journal: o.journal,
  };
}

/** Checks consumer options; InvalidOptionError names the field. */
export function resolveConsumerOptions(options: unknown): ResolvedConsumerOptions {
  if (options === undefined) return { window: 100, progress: undefined, name: undefined, progressWrites: "each" };
  if (!isObject(options)) throw new InvalidOptionError("options", "must be an object { window?, progress?, name?, progressWrites? }");
  const o = options as Partial<ConsumerOptions>;
  if (o.window !== undefined && !positiveInteger(o.window)) throw new InvalidOptionError("window", "must be a positive integer");
  if (o.progress !== undefined) {
    const store = o.progress as Partial<StateStore>;
    if (typeof store.load !== "function" || typeof store.save !== "function" || typeof store.clear !== "function")
      throw new InvalidOptionError("progress", "must be a StateStore from @tsakt/persistence or a backend package");
  }
  if (o.name !== undefined && !(typeof o.name === "string" && o.name.length > 0 && o.name.length <= 200 && !o.name.includes("\0")))
    throw new InvalidOptionError("name", "must be a non-empty string of at most 200 characters without NUL");
  if (o.progressWrites !== undefined && o.progressWrites !== "each" && o.progressWrites !== "batched")
    throw new InvalidOptionError("progressWrites", 'must be "each" or "batched"');
  if (o.name !== undefined && o.progress === undefined)
    throw new InvalidOptionError("name", "names the consumer in a progress store: give `progress` too");
  return { window: o.window ?? 100, progress: o.progress, name: o.name, progressWrites: o.progressWrites ?? "each" };
}
