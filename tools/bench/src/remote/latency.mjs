// Timing helpers shared by the remote benches.

/** The value at percentile `p` (0–100) of an ascending array. */
export function percentile(sorted, p) {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

/** Sequential round trips: one in flight, each timed on its own; p50 and p99 in µs. */
export async function roundTripLatency(n, roundTrip) {
  const samples = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const t = process.hrtime.bigint();
    await roundTrip(i);
    samples[i] = Number(process.hrtime.bigint() - t) / 1000;
  }
  samples.sort();
  return { p50: percentile(samples, 50), p99: percentile(samples, 99) };
}

/** The median of a list of numbers. */
export function median(values) {
  return [...values].sort((a, b) => a - b)[values.length >> 1];
}
