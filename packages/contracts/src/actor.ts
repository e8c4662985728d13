import { create, type DescMessage, type MessageInitShape } from "@bufbuild/protobuf";
import { type Actor, type ActorFactory, type Context, InvalidOptionError, type Logger, type PID, type ReceiveContext } from "@tsakt/actor";
import { rejectSender } from "@tsakt/actor/internal";
import type { Contract, Invoke } from "./contract.js";
import { isThenable } from "./thenable.js";

/** Hooks an actor's handlers may have beside the rpc methods. */
export interface ActorHooks {
  /** Runs before the first message; a throw fails the spawn with ActorInitializationError. */
  preStart?(ctx: Context): void | Promise<void>;
  /** Runs after the actor stopped. */
  postStop?(ctx: Context): void | Promise<void>;
  /** Handles a message that is no request of the service (Terminated, PostStart, …). Default: ctx.unhandled(). */
  onOther?(ctx: ReceiveContext): void | Promise<void>;
}

/**
 * An actor factory whose actors dispatch each request to the handler method of its rpc (generated `Xxx.actor(...)`
 * calls this): `system.spawn("ledger", LedgerService.actor(() => new Ledger()))`.
 */
export function actorFactory(contract: Contract, factory: () => object): ActorFactory {
  if (typeof factory !== "function") throw new InvalidOptionError("factory", "must be a function () => handlers");
  const madeBy = `the actor factory of ${contract.service}`;
  return () => {
    const handlers = factory();
    contract.check(handlers, madeBy);
    return new ContractActor(contract, handlers as ActorHooks);
  };
}

/**
 * An actor made of handlers. A handler's error fails the ask at once (the asker gets it) and then goes to the
 * actor's supervisor, like any error of receive.
 */
class ContractActor implements Actor {
  constructor(
    private readonly contract: Contract,
    private readonly handlers: ActorHooks,
  ) {}

  preStart(ctx: Context): void | Promise<void> {
    return this.handlers.preStart?.(ctx);
  }

  postStop(ctx: Context): void | Promise<void> {
    return this.handlers.postStop?.(ctx);
  }

  receive(ctx: ReceiveContext): void | Promise<void> {
    const index = this.contract.indexOf(ctx.message);
    const method = index < 0 ? undefined : this.contract.methods[index];
    if (method === undefined) {
      if (this.handlers.onOther !== undefined) return this.handlers.onOther(ctx);
      ctx.unhandled();
      return;
    }
    const output = method.output;
    const sender = ctx.sender;
    let result: unknown;
    try {
      result = (this.contract.invokers[index] as Invoke)(this.handlers as never, ctx.message as never, ctx as never);
    } catch (error) {
      if (output !== undefined) rejectSender(sender, error);
      throw error;
    }
    if (!isThenable(result)) {
      if (output !== undefined) ctx.respond(create(output, result as MessageInitShape<DescMessage>));
      return;
    }
    if (method.reentrant) {
      detach(result, output, sender, ctx.self, ctx.logger);
      return;
    }
    return Promise.resolve(result).then(
      (reply) => {
        if (output !== undefined) ctx.respond(create(output, reply as MessageInitShape<DescMessage>));
      },
      (error: unknown) => {
        if (output !== undefined) rejectSender(sender, error);
        throw error;
      },
    );
  }
}

/**
 * A reentrant method's running handler: the actor already took its next message, so the reply goes to the sender
 * captured before, and a failure goes to the asker and the log (the actor's supervisor no longer sees it).
 */
function detach(result: Promise<unknown>, output: DescMessage | undefined, sender: PID | undefined, self: PID, logger: Logger): void {
  result.then(
    (reply) => {
      if (output !== undefined) sender?.tell(create(output, reply as MessageInitShape<DescMessage>), self);
    },
    (error: unknown) => {
      if (output !== undefined) rejectSender(sender, error);
      logger.warn({ actor: self.address, err: error }, "a reentrant handler failed");
    },
  );
}
