import { fromJson, isMessage, type JsonValue, type Message, type Registry, toJson } from "@bufbuild/protobuf";
import { AnySchema, anyUnpack } from "@bufbuild/protobuf/wkt";
import { type ActorSystem, isTsaktError } from "@tsakt/actor";
import { HttpError, type Route } from "./http.js";

/** The answer of POST /actors/ask. */
export interface AskReply {
  /** The actor asked, as given. */
  readonly name: string;
  /** Full name of the reply's protobuf type. */
  readonly type: string;
  /** The reply in protobuf's JSON form. */
  readonly message: JsonValue;
}

/**
 * POST /actors/ask { name, message, type?, timeoutMs? }: asks the actor `name` (cluster-wide with a cluster) and
 * answers with its reply as protobuf JSON. `message` is protobuf JSON of a google.protobuf.Any (with "@type"), or of
 * the message type `type` names; either must be in the registry (remoting's types on a cluster node).
 */
export function askRoute(system: ActorSystem, registry: () => Registry): Route {
  return {
    method: "POST",
    pattern: "/actors/ask",
    mutates: true,
    async handle(request) {
      const body = await request.json();
      const { name, type, timeoutMs = 5000 } = body;
      if (typeof name !== "string" || name.length === 0) throw new HttpError(400, "BadRequest", "name must be the actor's name or address");
      if (typeof timeoutMs !== "number" || !Number.isInteger(timeoutMs) || timeoutMs < 1 || timeoutMs > 600_000)
        throw new HttpError(400, "BadRequest", "timeoutMs must be a whole number of milliseconds from 1 to 600000");
      const types = registry();
      const message = decode(types, body.message, type);
      let reply: unknown;
      try {
        const pid = await system.actorOf(name);
        reply = await pid.ask(message, { timeoutMs });
      } catch (error) {
        if (isTsaktError(error, "ActorNotFound")) throw new HttpError(404, "ActorNotFound", error.message);
        if (isTsaktError(error, "AskTimeout")) throw new HttpError(504, "AskTimeout", error.message);
        if (isTsaktError(error)) throw new HttpError(502, error.code, error.message);
        throw error;
      }
      if (!isProtobuf(reply) || types.getMessage(reply.$typeName) === undefined)
        throw new HttpError(
          502,
          "UnencodableReply",
          `the actor replied with ${describe(reply)}, which has no registered protobuf type to show as JSON`,
        );
      const schema = types.getMessage(reply.$typeName);
      const answer: AskReply = {
        name,
        type: reply.$typeName,
        message: toJson(schema as NonNullable<typeof schema>, reply, { registry: types }),
      };
      return { body: answer };
    },
  };
}

function decode(types: Registry, json: unknown, type: unknown): Message {
  if (json === undefined) throw new HttpError(400, "BadRequest", 'message is required: protobuf JSON with "@type", or give "type" too');
  try {
    if (typeof type === "string" && type.length > 0) {
      const schema = types.getMessage(type.replace(/^type\.googleapis\.com\//, ""));
      if (schema === undefined) throw new HttpError(400, "UnknownMessageType", `no protobuf type ${type} is registered on this node`);
      return fromJson(schema, json as JsonValue, { registry: types });
    }
    const any = fromJson(AnySchema, json as JsonValue, { registry: types });
    const message = anyUnpack(any, types);
    if (message === undefined) throw new HttpError(400, "UnknownMessageType", `no protobuf type ${any.typeUrl} is registered on this node`);
    return message;
  } catch (error) {
    if (error instanceof HttpError) throw error;
    throw new HttpError(400, "BadRequest", `message is not valid protobuf JSON: ${error instanceof Error ? error.message : String(error)}`);
  }
}

function isProtobuf(value: unknown): value is Message {
  return (
    isMessage(value) || (typeof value === "object" && value !== null && typeof (value as { $typeName?: unknown }).$typeName === "string")
  );
}

function describe(value: unknown): string {
  return isProtobuf(value) ? `an unregistered ${value.$typeName}` : `a ${typeof value}`;
}
