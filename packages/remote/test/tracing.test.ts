import * as otel from "@opentelemetry/api";
import { AsyncLocalStorageContextManager } from "@opentelemetry/context-async-hooks";
import { W3CTraceContextPropagator } from "@opentelemetry/core";
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from "@opentelemetry/sdk-trace-base";
import { metadataOf, propagatedContextOf, remoteOf, traceContextPropagator } from "@tsakt/remote";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startNode } from "./support/nodes.js";

const exporter = new InMemorySpanExporter();
const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
const tracer = provider.getTracer("tracing-test");
const contextManager = new AsyncLocalStorageContextManager();
/** The test's messages (actors also get PostStart first). */
const isHop = (m: unknown): m is { hop: number } => typeof m === "object" && m !== null && "hop" in m;

beforeAll(() => {
  otel.context.setGlobalContextManager(contextManager.enable());
  otel.propagation.setGlobalPropagator(new W3CTraceContextPropagator());
});
afterAll(async () => {
  otel.context.disable();
  otel.propagation.disable();
  await provider.shutdown();
});

describe("tracing across nodes through traceContextPropagator", () => {
  it("a two-hop ask (A → B → C) is one trace: B's span is a child of A's, C's a child of B's", async () => {
    const propagator = traceContextPropagator(otel);
    const [a, b, c] = [await startNode({ propagator }, "a"), await startNode({ propagator }, "b"), await startNode({ propagator }, "c")];
    const headersAtC: Array<Readonly<Record<string, string>>> = [];
    await c.spawnFunc("last", (ctx) => {
      if (!isHop(ctx.message)) return;
      headersAtC.push(metadataOf(ctx));
      const span = tracer.startSpan("c handles", {}, propagatedContextOf(ctx) as otel.Context);
      span.end();
      ctx.respond({ handledBy: "c" });
    });
    const last = remoteOf(b).pidOf(`${remoteOf(c).address}/user/last`);
    await b.spawnFunc("middle", async (ctx) => {
      if (!isHop(ctx.message)) return;
      const parent = propagatedContextOf(ctx) as otel.Context;
      const span = tracer.startSpan("b handles", {}, parent);
      const reply = await otel.context.with(otel.trace.setSpan(parent, span), () => last.ask({ hop: 2 }, { timeoutMs: 5000 }));
      span.end();
      ctx.respond(reply);
    });
    const middle = remoteOf(a).pidOf(`${remoteOf(b).address}/user/middle`);

    const root = tracer.startSpan("a asks");
    const reply = await otel.context.with(otel.trace.setSpan(otel.context.active(), root), () =>
      middle.ask({ hop: 1 }, { timeoutMs: 5000 }),
    );
    root.end();
    expect(reply).toEqual({ handledBy: "c" });

    const spans = new Map(exporter.getFinishedSpans().map((s) => [s.name, s]));
    const [sa, sb, sc] = [spans.get("a asks"), spans.get("b handles"), spans.get("c handles")];
    expect(sa && sb && sc).toBeTruthy();
    const trace = sa?.spanContext().traceId;
    expect(sb?.spanContext().traceId).toBe(trace);
    expect(sc?.spanContext().traceId).toBe(trace);
    expect(sb?.parentSpanContext?.spanId).toBe(sa?.spanContext().spanId);
    expect(sc?.parentSpanContext?.spanId).toBe(sb?.spanContext().spanId);
    // On the wire: the W3C header, naming B's span as the parent of C's work.
    expect(headersAtC[0]?.traceparent).toBe(`00-${trace}-${sb?.spanContext().spanId}-01`);
  });

  it("sends no header outside a span, and the receiver's context then has no span", async () => {
    const propagator = traceContextPropagator(otel);
    const [a, b] = [await startNode({ propagator }, "a"), await startNode({ propagator }, "b")];
    const seen: Array<{ headers: Readonly<Record<string, string>>; span: boolean }> = [];
    await b.spawnFunc("plain", (ctx) => {
      if (!isHop(ctx.message)) return;
      // Without headers there is no propagated context: fall back to the active one.
      const context = (propagatedContextOf(ctx) as otel.Context | undefined) ?? otel.context.active();
      seen.push({ headers: metadataOf(ctx), span: otel.trace.getSpan(context) !== undefined });
      ctx.respond({ ok: true });
    });
    await remoteOf(a)
      .pidOf(`${remoteOf(b).address}/user/plain`)
      .ask({ hop: 1 }, { timeoutMs: 5000 });
    expect(seen).toEqual([{ headers: {}, span: false }]);
  });
});
