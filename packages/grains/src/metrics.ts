import type { Attributes, Meter } from "@tsakt/actor/internal";

/** What the grains' instruments read at collection time. */
export interface GrainsMetricsSource {
  readonly system: { readonly name: string };
  readonly lifetimes: { readonly activations: number; readonly deactivations: number };
  activeCount(): number;
}

/** The grains' instruments, all observed at collection time: activations, deactivations and active grains. */
export function instrumentGrains(meter: Meter, source: GrainsMetricsSource): void {
  const attributes: Attributes = { "tsakt.system": source.system.name };
  meter
    .createObservableCounter("tsakt.grain.activations", { description: "Grain activations that finished onActivate", unit: "{activation}" })
    .addCallback((r) => r.observe(source.lifetimes.activations, attributes));
  meter
    .createObservableCounter("tsakt.grain.deactivations", {
      description: "Active grains that stopped (idle, leaving, stopping)",
      unit: "{deactivation}",
    })
    .addCallback((r) => r.observe(source.lifetimes.deactivations, attributes));
  meter
    .createObservableUpDownCounter("tsakt.grain.active", { description: "Active grains on this node", unit: "{grain}" })
    .addCallback((r) => r.observe(source.activeCount(), attributes));
}
