import type { DescMessage, MessageInitShape } from "@bufbuild/protobuf";
import { InvalidOptionError } from "@tsakt/actor";
import { MissingHandlerError } from "./errors.js";

/** One rpc of a service as the runtime dispatches it; generated code builds these. */
export interface ContractMethod {
  /** The handler's method name: the rpc's name in lowerCamelCase, escaped where it would clash ("delete", "onActivate$"). */
  readonly name: string;
  /** The request message. A service's methods take distinct request types: that is how a message finds its method. */
  readonly input: DescMessage;
  /** The reply message of an ask; undefined for a tell (no reply). */
  readonly output: DescMessage | undefined;
  /** True: the grain or actor takes its next message while this method's handler awaits. */
  readonly reentrant: boolean;
}

/** What a handler returns for an ask: the reply (a message or its init object), or a promise of it. */
export type Reply<S extends DescMessage> = MessageInitShape<S> | PromiseLike<MessageInitShape<S>>;

/** What a handler returns for a tell: nothing, or a promise that settles when it is done. */
export type NoReply = void | PromiseLike<void>;

/** A service's rpcs, indexed by request type: the table a generated class hands to grainKind and actorFactory. */
export class Contract {
  /** True when at least one method is reentrant: its grain kind is then registered as reentrant. */
  readonly reentrant: boolean;
  private readonly byType = new Map<string, ContractMethod>();

  constructor(
    /** The service's full protobuf name, for example "bank.v1.AccountGrain". */
    readonly service: string,
    /** The grain kind its clients address, for example "bank.v1.AccountGrain" or the kind set in the .proto. */
    readonly kind: string,
    /** The rpcs, in .proto order. */
    readonly methods: readonly ContractMethod[],
  ) {
    for (const method of methods) {
      const typeName = method.input.typeName;
      const other = this.byType.get(typeName);
      if (other !== undefined)
        throw new InvalidOptionError(
          `methods.${method.name}`,
          `takes ${typeName} like ${other.name}; each method of ${service} needs its own request type, since messages are dispatched by type`,
        );
      this.byType.set(typeName, method);
    }
    this.reentrant = methods.some((m) => m.reentrant);
  }

  /** The method that handles `message`, or undefined when it is no request of this service. */
  methodFor(message: unknown): ContractMethod | undefined {
    if (typeof message !== "object" || message === null) return undefined;
    const typeName = (message as { $typeName?: unknown }).$typeName;
    return typeof typeName === "string" ? this.byType.get(typeName) : undefined;
  }

  /** Throws MissingHandlerError unless `handlers` has a function for every method. */
  check(handlers: unknown, madeBy: string): asserts handlers is Handlers {
    if (typeof handlers !== "object" || handlers === null)
      throw new MissingHandlerError(this.service, madeBy, undefined, handlers === null ? "null" : typeof handlers);
    for (const method of this.methods)
      if (typeof (handlers as Handlers)[method.name] !== "function") throw new MissingHandlerError(this.service, madeBy, method.name);
  }
}

/** Handlers as the runtime sees them: methods by name. */
export type Handlers = Record<string, ((request: unknown, ctx: unknown) => unknown) | undefined>;

/** The description of a service's rpcs that a generated class holds (its static `contract`). */
export function contract(service: string, kind: string, methods: readonly ContractMethod[]): Contract {
  return new Contract(service, kind, methods);
}
