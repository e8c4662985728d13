import { TsaktError } from "@tsakt/actor";

/** An rpc streams (client, server or both): generated contracts are request/reply or fire-and-forget only. */
export class StreamingRpcError extends TsaktError {
  constructor(
    /** The rpc's full name, for example "chat.v1.Room.Watch". */
    readonly rpc: string,
    /** The .proto file that declares it. */
    readonly file: string,
    /** "server_streaming", "client_streaming" or "bidi_streaming". */
    readonly methodKind: string,
  ) {
    super(
      "StreamingRpc",
      `rpc ${rpc} (${file}) is ${methodKind.replace("_", "-")}; protoc-gen-tsakt generates unary rpcs only (an ask, or a tell ` +
        "returning google.protobuf.Empty): make it unary, send a stream as several tells or publish it with @tsakt/pubsub, " +
        "or move it to a service in a file this plugin does not generate",
    );
  }
}

/** Two rpcs of one service take the same request type, so a message could not tell which method it is for. */
export class AmbiguousRequestError extends TsaktError {
  constructor(
    /** The service's full name. */
    readonly service: string,
    /** The request type both rpcs take. */
    readonly requestType: string,
    /** The two rpcs' names. */
    readonly rpcs: readonly [string, string],
  ) {
    super(
      "AmbiguousRequest",
      `rpcs ${rpcs[0]} and ${rpcs[1]} of ${service} both take ${requestType}; a grain or actor finds the method of a message ` +
        `by its type, so give each rpc its own request message (buf lint's RPC_REQUEST_RESPONSE_UNIQUE asks the same)`,
    );
  }
}

/** A (tsakt.options.v1.method) or (tsakt.options.v1.service) option has a value the plugin cannot honour. */
export class ContractOptionError extends TsaktError {
  constructor(
    /** The rpc or service the option is on. */
    readonly element: string,
    /** The option, for example "(tsakt.options.v1.method).tell". */
    readonly option: string,
    /** What is wrong and what to do. */
    readonly reason: string,
  ) {
    super("ContractOption", `invalid option ${option} on ${element}: ${reason}`);
  }
}
