import { create } from "@bufbuild/protobuf";
import { file_google_protobuf_wrappers, type StringValue, StringValueSchema } from "@bufbuild/protobuf/wkt";
import * as otel from "@opentelemetry/api";
import { AsyncLocalStorageContextManager } from "@opentelemetry/context-async-hooks";
import { W3CTraceContextPropagator } from "@opentelemetry/core";
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from "@opentelemetry/sdk-trace-base";
import { InvalidOptionError } from "@tsakt/actor";
import { metadataOf, propagatedContextOf, remoteOf, remoting, traceContextPropagator } from "@tsakt/remote";
import { eventually } from "@tsakt/testkit";
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

describe("TsAkt's spans per hop (the tracing option)", () => {
  const tracing = { api: otel, tracer: provider.getTracer("@tsakt/remote") };
  const text = (value: string) => create(StringValueSchema, { value });
  const types = [file_google_protobuf_wrappers];
  const spansNamed = (name: string) => exporter.getFinishedSpans().filter((s) => s.name === name);

  it("a two-hop ask (A → B → C) is one trace: send and receive spans per hop, each the child of the one before", async () => {
    exporter.reset();
    const [a, b, c] = [
      await startNode({ tracing, types }, "a"),
      await startNode({ tracing, types }, "b"),
      await startNode({ tracing, types }, "c"),
    ];
    await c.spawnFunc("last", (ctx) => {
      if (ctx.is(StringValueSchema)) ctx.respond(text(`${ctx.message.value}, c`));
    });
    const last = remoteOf(b).pidOf(`${remoteOf(c).address}/user/last`);
    await b.spawnFunc("middle", async (ctx) => {
      if (!ctx.is(StringValueSchema)) return;
      // B's own work runs in the context of its receive span, so its ask to C continues the trace.
      const request = text(`${ctx.message.value}, b`);
      const reply = await otel.context.with(propagatedContextOf(ctx) as otel.Context, () =>
        last.ask<StringValue>(request, { timeoutMs: 5000 }),
      );
      ctx.respond(reply);
    });
    const middle = remoteOf(a).pidOf(`${remoteOf(b).address}/user/middle`);

    const root = tracer.startSpan("a asks");
    const reply = await otel.context.with(otel.trace.setSpan(otel.context.active(), root), () =>
      middle.ask<StringValue>(text("a"), { timeoutMs: 5000 }),
    );
    root.end();
    expect(reply.value).toBe("a, b, c");

    const sends = spansNamed("send google.protobuf.StringValue");
    const receives = spansNamed("receive google.protobuf.StringValue");
    expect(sends).toHaveLength(2);
    expect(receives).toHaveLength(2);
    const [sendAB, sendBC] = [
      sends.find((s) => s.attributes["messaging.destination.name"] === `${remoteOf(b).address}/user/middle`),
      sends.find((s) => s.attributes["messaging.destination.name"] === `${remoteOf(c).address}/user/last`),
    ];
    const [receiveB, receiveC] = [
      receives.find((s) => s.attributes["messaging.destination.name"] === `${remoteOf(b).address}/user/middle`),
      receives.find((s) => s.attributes["messaging.destination.name"] === `${remoteOf(c).address}/user/last`),
    ];
    const chain = [root, sendAB, receiveB, sendBC, receiveC];
    const ids = chain.map((s) => s?.spanContext().spanId);
    expect(ids.every((id) => id !== undefined)).toBe(true);
    // One trace, and each span's parent is the span before it in the chain.
    for (const s of chain) expect(s?.spanContext().traceId).toBe(root.spanContext().traceId);
    expect([sendAB, receiveB, sendBC, receiveC].map((s) => s?.parentSpanContext?.spanId)).toEqual(ids.slice(0, 4));
    // Asks are CLIENT → SERVER, with the messaging attributes.
    expect([sendAB, sendBC].map((s) => s?.kind)).toEqual([otel.SpanKind.CLIENT, otel.SpanKind.CLIENT]);
    expect([receiveB, receiveC].map((s) => s?.kind)).toEqual([otel.SpanKind.SERVER, otel.SpanKind.SERVER]);
    expect(sendAB?.attributes).toMatchObject({
      "messaging.system": "tsakt",
      "messaging.operation.type": "send",
      "tsakt.message.type": "google.protobuf.StringValue",
    });
    expect(receiveC?.attributes).toMatchObject({ "messaging.system": "tsakt", "messaging.operation.type": "receive" });
    // An ask's send span lasts until its reply: A's covers B's whole receive-and-ask. The SDK dates each local root
    // span's tree from its own anchor (Date.now() has millisecond steps), so times in B's tree may be off A's by up to
    // a millisecond: the check allows 2 ms.
    const end = (s: { endTime: otel.HrTime } | undefined) => (s === undefined ? 0 : s.endTime[0] * 1e9 + s.endTime[1]);
    expect(end(sendAB)).toBeGreaterThanOrEqual(end(sendBC) - 2e6);
  });

  it("a tell is PRODUCER → CONSUMER, and a send outside any span starts a trace of its own", async () => {
    exporter.reset();
    const [a, b] = [await startNode({ tracing, types }, "a"), await startNode({ tracing, types }, "b")];
    const contexts: unknown[] = [];
    await b.spawnFunc("sink", (ctx) => {
      if (ctx.is(StringValueSchema)) contexts.push(propagatedContextOf(ctx));
    });
    remoteOf(a)
      .pidOf(`${remoteOf(b).address}/user/sink`)
      .tell(text("fire and forget"));
    await eventually(
      "the tell received and its span ended",
      () => contexts.length === 1 && spansNamed("receive google.protobuf.StringValue").length === 1,
    );
    const [send] = spansNamed("send google.protobuf.StringValue");
    const [receive] = spansNamed("receive google.protobuf.StringValue");
    expect(send?.kind).toBe(otel.SpanKind.PRODUCER);
    expect(send?.parentSpanContext).toBeUndefined();
    expect(receive?.kind).toBe(otel.SpanKind.CONSUMER);
    expect(receive?.parentSpanContext?.spanId).toBe(send?.spanContext().spanId);
    // What the actor gets from propagatedContextOf is the receive span's context.
    expect(otel.trace.getSpan(contexts[0] as otel.Context)?.spanContext().spanId).toBe(receive?.spanContext().spanId);
  });

  it("rejects a tracing option that is not the OpenTelemetry API", () => {
    expect(() => remoting({ tracing: {} as never })).toThrow(InvalidOptionError);
    expect(() => remoting({ tracing: { api: otel, tracer: {} as never } })).toThrow(/tracing\.tracer/);
    expect(() => remoting({ tracing: { api: otel, extra: 1 } as never })).toThrow(/tracing\.extra/);
  });
});
