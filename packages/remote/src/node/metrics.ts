import { type Attributes, durationBuckets, type Meter } from "@tsakt/actor/internal";
import type { TrafficCounters } from "../transport/traffic.js";

/** What remoting's instruments read at collection time. */
export interface RemotingMetricsSource {
  readonly traffic: TrafficCounters;
  /** Open connections and the bytes their sockets wrote and read so far. */
  openConnections(): { count: number; bytesSent: number; bytesReceived: number };
}

/**
 * Remoting's instruments: connections, frames and bytes in and out (observed at collection time, so the send path
 * only counts frames), and the returned recorder for the duration of remote asks, in seconds.
 */
export function instrumentRemoting(meter: Meter, source: RemotingMetricsSource, system: string): (ms: number) => void {
  const base: Attributes = { "tsakt.system": system };
  const sent: Attributes = { ...base, "network.io.direction": "transmit" };
  const received: Attributes = { ...base, "network.io.direction": "receive" };
  meter
    .createObservableUpDownCounter("tsakt.remote.connections", { description: "Open remoting connections", unit: "{connection}" })
    .addCallback((r) => r.observe(source.openConnections().count, base));
  meter
    .createObservableCounter("tsakt.remote.frames", { description: "Remoting frames sent and received", unit: "{frame}" })
    .addCallback((r) => {
      r.observe(source.traffic.framesSent, sent);
      r.observe(source.traffic.framesReceived, received);
    });
  meter
    .createObservableCounter("tsakt.remote.io", { description: "Bytes written to and read from remoting sockets", unit: "By" })
    .addCallback((r) => {
      const open = source.openConnections();
      r.observe(source.traffic.closedBytesSent + open.bytesSent, sent);
      r.observe(source.traffic.closedBytesReceived + open.bytesReceived, received);
    });
  const asks = meter.createHistogram("tsakt.remote.ask.duration", {
    description: "Time from sending a remote ask to its reply, error or timeout",
    unit: "s",
    advice: { explicitBucketBoundaries: [...durationBuckets] },
  });
  return (ms) => asks.record(ms / 1000, base);
}
