import { type DescMethod, type DescService, getOption, hasOption } from "@bufbuild/protobuf";
import { method as methodOption, service as serviceOption } from "./gen/tsakt/options/v1/options_pb.js";

/** The protoc-gen-tsakt options of an rpc, as written in the .proto (undefined: not set). */
export interface MethodSettings {
  tell: boolean | undefined;
  reentrant: boolean;
}

/** The protoc-gen-tsakt options of a service. */
export interface ServiceSettings {
  /** The kind set in the .proto; undefined when not set. */
  kind: string | undefined;
  reentrant: boolean;
}

/** Reads (tsakt.options.v1.method) of `rpc`. */
export function methodSettings(rpc: DescMethod): MethodSettings {
  if (!hasOption(rpc, methodOption)) return { tell: undefined, reentrant: false };
  const o = getOption(rpc, methodOption);
  return { tell: o.tell, reentrant: o.reentrant === true };
}

/** Reads (tsakt.options.v1.service) of `service`. */
export function serviceSettings(service: DescService): ServiceSettings {
  if (!hasOption(service, serviceOption)) return { kind: undefined, reentrant: false };
  const o = getOption(service, serviceOption);
  return { kind: o.kind === "" ? undefined : o.kind, reentrant: o.reentrant };
}
