import { create, type DescMessage, type MessageInitShape } from "@bufbuild/protobuf";
import { InvalidOptionError } from "@tsakt/actor";
import { hostOf } from "@tsakt/actor/internal";
import type { Grain, GrainContext, GrainIdentity, GrainKindDefinition, GrainKindOptions, GrainReceiveContext } from "@tsakt/grains";
import type { Contract, Invoke } from "./contract.js";
import { isThenable } from "./thenable.js";

/** Hooks a grain's handlers may have beside the rpc methods. */
export interface GrainHooks {
  /** Runs once per activation before any message (load state here); a throw fails the callers with GrainActivationError. */
  onActivate?(ctx: GrainContext): void | Promise<void>;
  /** Runs once when the activation ends (idle, or the system stops). */
  onDeactivate?(ctx: GrainContext): void | Promise<void>;
  /** Handles a message that is no request of the service, such as a timer's. Default: a dead letter ("unhandled"). */
  onOther?(ctx: GrainReceiveContext): void | Promise<void>;
}

/** Kind options of a contract's grains: those of any grain kind but `reentrant`, which the .proto sets per method. */
export type GrainContractOptions = Omit<GrainKindOptions, "reentrant">;

/**
 * A grain kind whose grains dispatch each request to the handler method of its rpc (generated `Xxx.grain(...)` calls
 * this). Register it under the contract's kind: `grains({ kinds: { [AccountGrain.kind]: AccountGrain.grain(f) } })`.
 * The kind is reentrant when a method is; options are checked by grains() like any kind's.
 */
export function grainKind(
  contract: Contract,
  factory: (identity: GrainIdentity) => object,
  options: GrainContractOptions = {},
): GrainKindDefinition {
  if (typeof factory !== "function") throw new InvalidOptionError("factory", "must be a function (identity) => handlers");
  if (typeof options !== "object" || options === null)
    throw new InvalidOptionError("options", "must be an object { idleMs?, longLived?, activationTimeoutMs? }");
  for (const key of ["factory", "reentrant"])
    if (key in options)
      throw new InvalidOptionError(
        `options.${key}`,
        key === "reentrant"
          ? "is set in the .proto: mark methods with option (tsakt.options.v1.method) = { reentrant: true }"
          : "is the first argument",
      );
  const madeBy = `the factory of grain kind ${contract.kind}`;
  return {
    ...options,
    reentrant: contract.reentrant,
    factory: (identity) => {
      const handlers = factory(identity);
      contract.check(handlers, madeBy);
      return new ContractGrain(contract, handlers as GrainHooks);
    },
  };
}

/** A request waiting while a non-reentrant method of a reentrant grain runs. */
interface Waiting {
  /** The method's index; -1 for a message that is no request. */
  index: number;
  ctx: GrainReceiveContext;
  resolve: () => void;
  reject: (error: unknown) => void;
}

/**
 * One activation's grain: finds the rpc of each message by its type, calls the handler and responds with its reply.
 * A handler's throw or rejection reaches the asker through the grain runtime, as from any grain.
 */
class ContractGrain implements Grain {
  /** Set while a non-reentrant handler of a reentrant kind runs: later messages wait, in order. */
  private blocked = false;
  private readonly waiting: Waiting[] = [];

  constructor(
    private readonly contract: Contract,
    private readonly handlers: GrainHooks,
  ) {}

  onActivate(ctx: GrainContext): void | Promise<void> {
    return this.handlers.onActivate?.(ctx);
  }

  onDeactivate(ctx: GrainContext): void | Promise<void> {
    return this.handlers.onDeactivate?.(ctx);
  }

  onReceive(ctx: GrainReceiveContext): void | Promise<void> {
    const index = this.contract.indexOf(ctx.message);
    // A non-reentrant kind: the runtime already runs one message at a time.
    if (!this.contract.reentrant) return this.handle(index, ctx);
    if (this.blocked || this.waiting.length > 0)
      return new Promise<void>((resolve, reject) => this.waiting.push({ index, ctx, resolve, reject }));
    return this.start(index, ctx);
  }

  /** In a reentrant kind: runs a message; a non-reentrant one holds the others until it settles. */
  private start(index: number, ctx: GrainReceiveContext): void | Promise<void> {
    const result = this.handle(index, ctx);
    if ((index >= 0 && this.contract.methods[index]?.reentrant === true) || !isThenable(result)) return result;
    this.blocked = true;
    return Promise.resolve(result).finally(this.unblock);
  }

  private readonly unblock = (): void => {
    this.blocked = false;
    while (!this.blocked && this.waiting.length > 0) {
      const next = this.waiting.shift() as Waiting;
      let result: void | Promise<void>;
      try {
        result = this.start(next.index, next.ctx);
      } catch (error) {
        next.reject(error);
        continue;
      }
      if (isThenable(result)) result.then(next.resolve, next.reject);
      else next.resolve();
    }
  };

  private handle(index: number, ctx: GrainReceiveContext): void | Promise<void> {
    if (index < 0) return this.other(ctx);
    const result = (this.contract.invokers[index] as Invoke)(this.handlers as never, ctx.message as never, ctx as never);
    const output = this.contract.outputs[index];
    if (output === undefined) return isThenable(result) ? (result as Promise<void>) : undefined;
    if (isThenable(result))
      return Promise.resolve(result).then((reply) => ctx.respond(create(output, reply as MessageInitShape<DescMessage>)));
    ctx.respond(create(output, result as MessageInitShape<DescMessage>));
  }

  private other(ctx: GrainReceiveContext): void | Promise<void> {
    if (this.handlers.onOther !== undefined) return this.handlers.onOther(ctx);
    hostOf(ctx.system).deadLetter(ctx.message, ctx.sender, ctx.self.address, "unhandled");
  }
}
