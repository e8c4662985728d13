import type { Context, ContextAPI, PropagationAPI } from "@opentelemetry/api";
import type { ContextPropagator } from "./propagation.js";

/** The two parts of @opentelemetry/api that traceContextPropagator uses: pass the module itself. */
export interface OtelPropagationApi {
  readonly context: Pick<ContextAPI, "active">;
  readonly propagation: Pick<PropagationAPI, "inject" | "extract">;
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
    extract(headers): Context {
      return propagation.extract(context.active(), headers);
    },
  };
}
