import type { ContextPropagator } from "./propagation.js";

/**
 * The two parts of @opentelemetry/api that traceContextPropagator uses: pass the module itself. Written out here so
 * remoting's types do not name @opentelemetry/api, an optional peer only tracing users install.
 */
export interface OtelPropagationApi {
  readonly context: { active(): unknown };
  readonly propagation: {
    inject(context: unknown, carrier: Record<string, string>): void;
    extract(context: unknown, carrier: Readonly<Record<string, string>>): unknown;
  };
}

/**
 * A ContextPropagator over OpenTelemetry: the sender's active context goes out through the global propagator (W3C
 * `traceparent`/`tracestate` with the SDK's defaults), and `propagatedContextOf(ctx)` on the receiving node is the
 * extracted OpenTelemetry Context, to start the receiving span in. Pass the API module:
 * `remoting({ propagator: traceContextPropagator(await import("@opentelemetry/api")) })`, so remoting itself never
 * loads it.
 */
export function traceContextPropagator(otel: OtelPropagationApi): ContextPropagator {
  const { context, propagation } = otel;
  return {
    inject(headers) {
      propagation.inject(context.active(), headers);
    },
    extract(headers): unknown {
      return propagation.extract(context.active(), headers);
    },
  };
}
