import { TsaktError } from "@tsakt/actor";

/** A grain or actor factory returned handlers that lack a method of the service (or no object at all). */
export class MissingHandlerError extends TsaktError {
  constructor(
    /** The service's full protobuf name. */
    readonly service: string,
    /** Who made the handlers, for example "the factory of grain kind account". */
    readonly madeBy: string,
    /** The missing method; undefined when the factory returned no object. */
    readonly method: string | undefined,
    got?: string,
  ) {
    super(
      "MissingHandler",
      method === undefined
        ? `${madeBy} must return an object implementing the handlers of ${service}, got ${got ?? "nothing"}`
        : `${madeBy} returned handlers without ${method}(request, ctx); implement every rpc of ${service} (the generated ...Handlers interface lists them)`,
    );
  }
}
