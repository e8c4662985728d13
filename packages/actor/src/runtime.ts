import type { AskReplier } from "./ask.js";
import type { Clock } from "./clock.js";
import type { Dispatcher } from "./dispatcher.js";
import type { EventStream } from "./event-stream.js";
import type { Extension } from "./extensions.js";
import type { Logger } from "./logger.js";
import type { DurationRecorder } from "./metrics-options.js";
import type { Passivator } from "./passivation.js";
import type { AskOptions, PID } from "./pid.js";
import type { SupervisorOptions } from "./supervision/options.js";

/** What an actor cell needs from its system; implemented by ActorSystem. */
export interface Runtime {
  readonly name: string;
  /** "tsakt://name" locally, "tsakt://name@host:port" with remoting. */
  readonly addressPrefix: string;
  readonly dispatcher: Dispatcher;
  readonly logger: Logger;
  readonly eventStream: EventStream;
  readonly askTimeoutMs: number;
  /** Where time comes from. */
  readonly clock: Clock;
  /** System-wide default supervisor for actors spawned without one. */
  readonly supervisor: SupervisorOptions | undefined;
  /** Records an undeliverable message. */
  deadLetter(message: unknown, sender: PID | undefined, receiver: string, reason: string): void;
  /** Starts an ask to `target` (validated options, shared deadline, abort signal), or the error to fail it with. */
  prepareAsk(target: string, options: AskOptions | undefined): AskReplier | Error;
  /** Counts a started actor and publishes ActorStarted (its address is built only when someone listens). */
  actorStarted(actor: PID): void;
  /** Counts a stopped actor and publishes ActorStopped. */
  actorStopped(actor: PID): void;
  /** The system's passivator, created on first use. */
  passivator(): Passivator;
  /** Records one message's processing time; undefined when metrics are off. */
  readonly recordDuration: DurationRecorder | undefined;
  /** Counts a supervisor restart. */
  restarted(): void;
  /** A system extension by id. */
  extension(id: string): Extension | undefined;
}
