import { create } from "@bufbuild/protobuf";
import { PostStartSchema } from "./gen/tsakt/actor/v1/system_pb.js";

/** Type name of PoisonPill, compared on every message (cheaper than isMessage). */
export const poisonPillType = "tsakt.actor.v1.PoisonPill";

/** The one PostStart instance every actor receives. */
export const postStart = Object.freeze(create(PostStartSchema));

/** True for a PoisonPill message. */
export function isPoisonPill(message: unknown): boolean {
  return typeof message === "object" && message !== null && (message as { $typeName?: unknown }).$typeName === poisonPillType;
}

/** A message's protobuf type name, or its constructor name, for dead letters and errors. */
export function typeNameOf(message: unknown): string {
  if (typeof message === "object" && message !== null) {
    const t = (message as { $typeName?: unknown }).$typeName;
    if (typeof t === "string") return t;
    return message.constructor?.name ?? "Object";
  }
  return typeof message;
}
