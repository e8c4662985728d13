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
  /**
   * Calls the method's handler: `(h, request, ctx) => h.deposit(request, ctx)`. Generated code writes it out, so the
   * compiler checks the table against the handler interface and each call site stays monomorphic.
   */
  readonly invoke: Invoke;
}

/** A method's call of its handler; any function of the handlers, request and context is one. */
export type Invoke = (handlers: never, request: never, ctx: never) => unknown;

/** What a handler returns for an ask: the reply (a message or its init object), or a promise of it. */
export type Reply<S extends DescMessage> = MessageInitShape<S> | PromiseLike<MessageInitShape<S>>;

/** What a handler returns for a tell: nothing, or a promise that settles when it is done. */
export type NoReply = void | PromiseLike<void>;

/** A service's rpcs, indexed by request type: the table a generated class hands to grainKind and actorFactory. */
export class Contract {
  /** True when at least one method is reentrant: its grain kind is then registered as reentrant. */
  readonly reentrant: boolean;
  /** @internal The reply message of each method, in method order (undefined for a tell), read on every call. */
  readonly outputs: readonly (DescMessage | undefined)[];
  /** @internal Each method's invoke, in method order. */
  readonly invokers: readonly Invoke[];
  /** Index in `methods` by request type name. */
  private readonly byType = new Map<string, number>();
  private lastType: string | undefined = undefined;
  private lastIndex = -1;

  constructor(
    /** The service's full protobuf name, for example "bank.v1.AccountGrain". */
    readonly service: string,
    /** The grain kind its clients address, for example "bank.v1.AccountGrain" or the kind set in the .proto. */
    readonly kind: string,
    /** The rpcs, in .proto order. */
    readonly methods: readonly ContractMethod[],
  ) {
    methods.forEach((method, index) => {
      const typeName = method.input.typeName;
      const other = this.byType.get(typeName);
      if (other !== undefined)
        throw new InvalidOptionError(
          `methods.${method.name}`,
          `takes ${typeName} like ${methods[other]?.name}; each method of ${service} needs its own request type, since messages are dispatched by type`,
        );
      this.byType.set(typeName, index);
    });
    this.reentrant = methods.some((m) => m.reentrant);
    this.outputs = methods.map((m) => m.output);
    this.invokers = methods.map((m) => m.invoke);
  }

  /** @internal The index in `methods` of the method that handles `message`; -1 when it is no request of this service. */
  indexOf(message: unknown): number {
    if (typeof message !== "object" || message === null) return -1;
    const typeName = (message as { $typeName?: unknown }).$typeName;
    // Messages of one schema share its typeName string, so a repeat of the last request type costs one comparison.
    if (typeName === this.lastType) return this.lastIndex;
    if (typeof typeName !== "string") return -1;
    const index = this.byType.get(typeName) ?? -1;
    this.lastType = typeName;
    this.lastIndex = index;
    return index;
  }

  /** @internal Throws MissingHandlerError unless `handlers` is an object with a function for every method. */
  check(handlers: unknown, madeBy: string): void {
    if (typeof handlers !== "object" || handlers === null)
      throw new MissingHandlerError(this.service, madeBy, undefined, handlers === null ? "null" : typeof handlers);
    for (const method of this.methods)
      if (typeof (handlers as Record<string, unknown>)[method.name] !== "function")
        throw new MissingHandlerError(this.service, madeBy, method.name);
  }
}

/** The description of a service's rpcs that a generated class holds (its static `contract`). */
export function contract(service: string, kind: string, methods: readonly ContractMethod[]): Contract {
  return new Contract(service, kind, methods);
}
