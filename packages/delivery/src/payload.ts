import type { Registry } from "@bufbuild/protobuf";
import { type Any, anyPack, anyUnpack } from "@bufbuild/protobuf/wkt";
import type { ActorSystem, PID } from "@tsakt/actor";
import { hostOf, typeNameOf } from "@tsakt/actor/internal";
import { remoteTypesOf } from "@tsakt/remote/internal";
import { PayloadNotSerializableError } from "./errors.js";

/**
 * A Sequenced message between a producer and a consumer of the same system: the payload travels as it is, with no
 * encoding, so any value can be sent locally. Across nodes the protobuf Sequenced carries the payload packed.
 */
export class LocalSequenced {
  constructor(
    readonly producerId: string,
    readonly session: number,
    readonly seq: number,
    readonly payload: unknown,
    readonly kind: number,
    readonly reason: string,
  ) {}
}

/** Packs and unpacks payloads with the protobuf types remoting knows on one system. */
export class PayloadCodec {
  private registryOf: (() => Registry) | undefined = undefined;

  constructor(private readonly system: ActorSystem) {}

  /** True when the system runs remoting, so messages may cross nodes. */
  get remote(): boolean {
    return hostOf(this.system).plugin("remoting") !== undefined;
  }

  private registry(): Registry | undefined {
    if (this.registryOf === undefined) {
      if (!this.remote) return undefined;
      this.registryOf = () => remoteTypesOf(this.system, "reliable delivery");
    }
    return this.registryOf();
  }

  /** `message` as a google.protobuf.Any; PayloadNotSerializableError when it is not a protobuf message remoting knows. */
  pack(message: unknown, producerId: string): Any {
    const typeName = (message as { $typeName?: unknown } | null)?.$typeName;
    const schema = typeof typeName === "string" ? this.registry()?.getMessage(typeName) : undefined;
    if (schema === undefined) throw new PayloadNotSerializableError(typeNameOf(message), producerId);
    return anyPack(schema, message as never);
  }

  /** The message in `any`, or undefined when its type is unknown here. */
  unpack(any: Any): unknown {
    const registry = this.registry();
    return registry === undefined ? undefined : anyUnpack(any, registry);
  }
}

/** True when `pid` is an actor of `system` itself (not a remote PID or a grain handle). */
export function isLocalActor(system: ActorSystem, pid: PID): boolean {
  return system.localActorOf(pid.path) === pid;
}
