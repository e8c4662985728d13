/** Carries headers (tracing, auth) from a sender to the receiving actor across processes. */
export interface ContextPropagator {
  /** Called on the sending side for every remote tell and ask: add headers to `headers`. */
  inject(headers: Record<string, string>): void;
  /** Called on the receiving side (once per message, when the actor asks for it) to turn headers into a context value. */
  extract(headers: Readonly<Record<string, string>>): unknown;
}

/** A sender reference that carries the metadata of the message it came with. */
export interface MetadataCarrier {
  readonly metadata: Readonly<Record<string, string>> | undefined;
  /** The propagator's extract() result, computed on first use. */
  propagatedContext(): unknown;
  /** Sets what propagatedContext() returns (the receive span's context, with tracing on). */
  presetContext(value: unknown): void;
}

const empty: Readonly<Record<string, string>> = Object.freeze({});

/** Marks sender references made by remoting, so metadataOf needs no instanceof across module copies. */
export const carrierBrand = Symbol.for("tsakt.remote.metadata-carrier");

function carrierOf(ctx: { readonly sender: unknown }): MetadataCarrier | undefined {
  const sender = ctx.sender as { [carrierBrand]?: unknown } | undefined;
  return sender !== undefined && sender !== null && sender[carrierBrand] === true ? (sender as unknown as MetadataCarrier) : undefined;
}

/** Headers that came with the message being processed (from the sender's ContextPropagator); empty when none. */
export function metadataOf(ctx: { readonly sender: unknown }): Readonly<Record<string, string>> {
  return carrierOf(ctx)?.metadata ?? empty;
}

/** The value the receiving node's ContextPropagator.extract made from the current message's headers; undefined without headers or propagator. */
export function propagatedContextOf(ctx: { readonly sender: unknown }): unknown {
  const carrier = carrierOf(ctx);
  return carrier?.metadata === undefined ? undefined : carrier.propagatedContext();
}
