import type { Registry } from "@bufbuild/protobuf";
import type { ReceiveContext } from "../actor.js";
import { InvalidOptionError } from "../errors.js";
import type { Broadcast } from "../gen/tsakt/actor/v1/router_pb.js";
import { broadcastPayload } from "./broadcast.js";
import type { HashRing } from "./hash-ring.js";

/**
 * The routee of the current message on `ring`, by `hashKey`; undefined, with the message marked unhandled, when
 * hashKey throws or gives no string or the ring is empty. A bad key is the message's problem: the router does not fail.
 */
export function routeeByKey<T>(ctx: ReceiveContext, hashKey: (message: unknown) => string, ring: HashRing<T> | undefined): T | undefined {
  let key: string;
  try {
    key = hashKey(ctx.message);
  } catch (error) {
    ctx.logger.warn({ router: ctx.self.address, err: error }, "hashKey threw; message dropped");
    ctx.unhandled();
    return undefined;
  }
  const routee = typeof key === "string" ? ring?.lookup(key) : undefined;
  if (routee === undefined) ctx.unhandled();
  return routee;
}

/** Gives the payload of the Broadcast being received to `each`; warns and marks it unhandled when it cannot be unpacked. */
export function fanOutBroadcast(ctx: ReceiveContext, registry: Registry | undefined, each: (payload: unknown) => void): void {
  const payload = broadcastPayload(ctx.message as Broadcast, registry);
  if (payload !== undefined) {
    each(payload);
    return;
  }
  ctx.logger.warn({ router: ctx.self.address }, "Broadcast payload cannot be unpacked; give the router a registry");
  ctx.unhandled();
}

/** Throws InvalidOptionError for the options pool and group routers share: hashKey, virtualNodes and registry. */
export function validateSharedRouterOptions(o: Record<string, unknown>, strategy: string): void {
  for (const field of ["hashKey", "virtualNodes"])
    if (o[field] !== undefined && strategy !== "consistent-hash")
      throw new InvalidOptionError(field, `applies only to strategy consistent-hash, not ${strategy}`);
  if (strategy === "consistent-hash" && typeof o.hashKey !== "function")
    throw new InvalidOptionError("hashKey", "must be a function (message) => string for strategy consistent-hash");
  const v = o.virtualNodes;
  if (v !== undefined && !(typeof v === "number" && Number.isInteger(v) && v >= 1 && v <= 10_000))
    throw new InvalidOptionError("virtualNodes", `must be a whole number from 1 to 10000, got ${String(v)}`);
  if (
    o.registry !== undefined &&
    (typeof o.registry !== "object" || o.registry === null || typeof (o.registry as Registry).getMessage !== "function")
  )
    throw new InvalidOptionError("registry", "must be a protobuf Registry (createRegistry from @bufbuild/protobuf)");
}
