import type { Any } from "@bufbuild/protobuf/wkt";
import type { Cancel, Demand, Hello, Kind, Resync, Sequenced } from "./gen/tsakt/delivery/v1/delivery_pb.js";

// The protocol's messages as plain protobuf-es message objects (what create() would build), made directly because
// Sequenced and Demand are on the hot path.

/** A Hello: opens a session; answered by a Demand with the same nonce. */
export function helloMessage(producerId: string, session: number, firstSeq: number, durable: boolean, nonce: number): Hello {
  return { $typeName: "tsakt.delivery.v1.Hello", producerId, session, firstSeq, durable, nonce };
}

/** One element of a producer's sequence, for a consumer on another node. */
export function sequencedMessage(
  producerId: string,
  session: number,
  seq: number,
  payload: Any | undefined,
  kind: Kind,
  reason: string,
): Sequenced {
  return { $typeName: "tsakt.delivery.v1.Sequenced", producerId, session, seq, payload, kind, reason };
}

/** A consumer's confirmation and demand. */
export function demandMessage(
  producerId: string,
  session: number,
  confirmed: number,
  upTo: number,
  resendFrom: number,
  nonce: number,
): Demand {
  return { $typeName: "tsakt.delivery.v1.Demand", producerId, session, confirmed, upTo, resendFrom, nonce };
}

/** A consumer's request for a Hello. */
export function resyncMessage(producerId: string, session: number): Resync {
  return { $typeName: "tsakt.delivery.v1.Resync", producerId, session };
}

/** A consumer's refusal of a producer. */
export function cancelMessage(producerId: string, session: number, reason: string): Cancel {
  return { $typeName: "tsakt.delivery.v1.Cancel", producerId, session, reason };
}
