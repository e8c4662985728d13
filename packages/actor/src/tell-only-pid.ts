import { DeadActorError } from "./errors.js";
import type { PID } from "./pid.js";

/**
 * Base of the PIDs that can only be told (an ask's temporary sender, a reply reference from another node, a receiver
 * of routed calls): asking one fails with DeadActorError, send() is tell(), and it prints as its address.
 */
export abstract class TellOnlyPID implements PID {
  abstract readonly name: string;
  abstract readonly path: string;
  abstract readonly address: string;
  abstract tell(message: unknown, sender?: PID): boolean;
  abstract isAlive(): boolean;

  ask<T>(): Promise<T> {
    return Promise.reject(new DeadActorError(this.address));
  }

  send(message: unknown, sender?: PID): Promise<void> {
    this.tell(message, sender);
    return Promise.resolve();
  }

  toString(): string {
    return this.address;
  }
}
