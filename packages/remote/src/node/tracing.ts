import { InvalidOptionError } from "@tsakt/actor";
import type { ContextPropagator } from "./propagation.js";
import type { OtelPropagationApi } from "./trace-context.js";

/** Span attributes as remoting sets them. */
export type SpanAttributes = Record<string, string | number | boolean>;

/** An OpenTelemetry `Span`, as far as remoting uses it: any span a `Tracer` starts fits. */
export interface SpanLike {
  setStatus(status: { code: number; message?: string }): unknown;
  end(): void;
}

/** An OpenTelemetry `Tracer`, as far as remoting uses it: any `Tracer` from `trace.getTracer(...)` fits. */
export interface TracerLike {
  startSpan(name: string, options?: { kind?: number; attributes?: SpanAttributes }, context?: unknown): SpanLike;
}

/**
 * The parts of @opentelemetry/api that remoting's tracing uses: pass the module itself. Written out here so remoting's
 * types do not name @opentelemetry/api, an optional peer only tracing users install.
 */
export interface OtelTracingApi extends OtelPropagationApi {
  readonly trace: {
    getTracer(name: string, version?: string): TracerLike;
    setSpan(context: never, span: never): unknown;
  };
}

/**
 * Spans per hop: a `send <type>` span for each remote tell (PRODUCER) and ask (CLIENT) this node makes, and a
 * `receive <type>` span (CONSUMER, SERVER) for each traced message it gets. Default: off.
 */
export interface RemoteTracingOptions {
  /** The @opentelemetry/api module: `await import("@opentelemetry/api")`. */
  api: OtelTracingApi;
  /** Tracer the spans come from. Default: `api.trace.getTracer("@tsakt/remote")`. */
  tracer?: TracerLike;
}

// SpanKind and SpanStatusCode values of the OpenTelemetry API (fixed by its specification).
const SERVER = 1;
const CLIENT = 2;
const PRODUCER = 3;
const CONSUMER = 4;
const ERROR = 2;

/** What a traced send started: the span, ended once the frame is written (tell) or the ask settles. */
export interface SendTrace {
  readonly span: SpanLike;
  readonly headers: Record<string, string>;
}

/** Starts and ends remoting's spans; exists only when the `tracing` option is set. */
export class RemoteTracer {
  private readonly tracer: TracerLike;
  private readonly setSpan: (context: unknown, span: SpanLike) => unknown;

  constructor(
    private readonly api: OtelTracingApi,
    tracer: TracerLike | undefined,
    private readonly onError: (error: unknown, what: string) => void,
  ) {
    this.tracer = tracer ?? api.trace.getTracer("@tsakt/remote");
    this.setSpan = api.trace.setSpan as (context: unknown, span: SpanLike) => unknown;
  }

  /**
   * Starts `send <type>` as a child of the active context and returns it with the headers to send: the propagator's
   * (if any), then the span's context through the API's global propagator (W3C `traceparent` by default).
   */
  startSend(typeName: string, receiver: string, ask: boolean, propagator: ContextPropagator | undefined): SendTrace | undefined {
    const headers: Record<string, string> = {};
    try {
      propagator?.inject(headers);
      const active = this.api.context.active();
      const span = this.tracer.startSpan(
        `send ${typeName}`,
        { kind: ask ? CLIENT : PRODUCER, attributes: attributes("send", typeName, receiver) },
        active,
      );
      this.api.propagation.inject(this.setSpan(active, span), headers);
      return { span, headers };
    } catch (error) {
      this.onError(error, "starting a send span");
      return undefined;
    }
  }

  /** Ends a send span; with `error`, marks it failed first. */
  endSend(trace: SendTrace, error?: unknown): void {
    if (error !== undefined) trace.span.setStatus({ code: ERROR, message: error instanceof Error ? error.message : String(error) });
    trace.span.end();
  }

  /** Ends an ask's send span when the ask settles. */
  endWhenSettled(trace: SendTrace, promise: Promise<unknown>): void {
    promise.then(
      () => this.endSend(trace),
      (error: unknown) => this.endSend(trace, error),
    );
  }

  /**
   * Starts `receive <type>` as a child of the context in `headers` and returns the span and its context (what
   * propagatedContextOf then returns); the caller ends the span once the message is in the actor's mailbox.
   */
  startReceive(
    headers: Readonly<Record<string, string>>,
    typeName: string,
    receiver: string,
    ask: boolean,
  ): { span: SpanLike; context: unknown } | undefined {
    try {
      const parent = this.api.propagation.extract(this.api.context.active(), headers);
      const span = this.tracer.startSpan(
        `receive ${typeName}`,
        { kind: ask ? SERVER : CONSUMER, attributes: attributes("receive", typeName, receiver) },
        parent,
      );
      return { span, context: this.setSpan(parent, span) };
    } catch (error) {
      this.onError(error, "starting a receive span");
      return undefined;
    }
  }

  /** Ends a receive span; `delivered` false marks it failed (mailbox full or actor gone). */
  endReceive(span: SpanLike, delivered: boolean): void {
    if (!delivered) span.setStatus({ code: ERROR, message: "not delivered" });
    span.end();
  }
}

function attributes(operation: "send" | "receive", typeName: string, receiver: string): SpanAttributes {
  return {
    "messaging.system": "tsakt",
    "messaging.operation.type": operation,
    "messaging.operation.name": operation,
    "messaging.destination.name": receiver,
    "tsakt.message.type": typeName,
  };
}

/** Checks the `tracing` option; InvalidOptionError names the field. */
export function validateTracing(value: unknown): RemoteTracingOptions | undefined {
  if (value === undefined) return undefined;
  const o = value as { api?: Partial<OtelTracingApi>; tracer?: { startSpan?: unknown } } | null;
  if (typeof o !== "object" || o === null)
    throw new InvalidOptionError("tracing", "must be { api, tracer? } with api the @opentelemetry/api module");
  const api = o.api;
  if (
    typeof api?.trace?.getTracer !== "function" ||
    typeof api.trace.setSpan !== "function" ||
    typeof api.context?.active !== "function" ||
    typeof api.propagation?.inject !== "function" ||
    typeof api.propagation.extract !== "function"
  )
    throw new InvalidOptionError("tracing.api", 'must be the @opentelemetry/api module: await import("@opentelemetry/api")');
  if (o.tracer !== undefined && typeof o.tracer?.startSpan !== "function")
    throw new InvalidOptionError("tracing.tracer", "must be an OpenTelemetry Tracer (with startSpan)");
  for (const key of Object.keys(o))
    if (key !== "api" && key !== "tracer") throw new InvalidOptionError(`tracing.${key}`, "is not a tracing option (known: api, tracer)");
  return o as RemoteTracingOptions;
}
