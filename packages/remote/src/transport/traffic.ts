/** Frames counted as they pass, and the bytes of connections that closed (open ones are read from their sockets). */
export class TrafficCounters {
  framesSent = 0;
  framesReceived = 0;
  closedBytesSent = 0;
  closedBytesReceived = 0;
}
