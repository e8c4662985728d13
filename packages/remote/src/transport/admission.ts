import type { Socket } from "node:net";
import { ConnectionLimitError } from "../errors.js";

/** The limits admission enforces (remoting's resolved options carry them). */
export interface AdmissionLimits {
  readonly maxConnectionsPerAddress: number;
  readonly maxHandshakesPerSecond: number;
  readonly maxPendingHandshakes: number;
}

interface AddressState {
  connections: number;
  /** Handshakes this address may still start now (a token bucket refilled at maxHandshakesPerSecond). */
  tokens: number;
  refilledAt: number;
}

/**
 * Decides, before any byte is read, whether an accepted socket may proceed: at most maxConnectionsPerAddress open
 * per remote IP, at most maxHandshakesPerSecond new handshakes per remote IP (a token bucket whose burst is the same
 * number), and at most maxPendingHandshakes unfinished handshakes in all. A refused socket is destroyed at once.
 */
export class Admission {
  private readonly addresses = new Map<string, AddressState>();
  /** Sockets in their handshake, by "address|port" (the TLS socket over a raw one has the same). */
  private readonly pending = new Map<string, Socket>();

  constructor(
    private readonly limits: AdmissionLimits,
    private readonly now: () => number = () => performance.now(),
  ) {}

  /** Unfinished handshakes now. */
  get pendingHandshakes(): number {
    return this.pending.size;
  }

  /** Connections open (or in their handshake) from `address`. */
  connectionsFrom(address: string): number {
    return this.addresses.get(address)?.connections ?? 0;
  }

  /** Admits `socket` (counted until it closes), or returns why not. */
  admit(socket: Socket): ConnectionLimitError | undefined {
    const address = socket.remoteAddress ?? "?";
    const l = this.limits;
    if (this.pending.size >= l.maxPendingHandshakes)
      return new ConnectionLimitError(address, "maxPendingHandshakes", l.maxPendingHandshakes);
    const now = this.now();
    let state = this.addresses.get(address);
    if (state === undefined) {
      state = { connections: 0, tokens: l.maxHandshakesPerSecond, refilledAt: now };
      this.addresses.set(address, state);
    } else {
      state.tokens = Math.min(l.maxHandshakesPerSecond, state.tokens + ((now - state.refilledAt) / 1000) * l.maxHandshakesPerSecond);
      state.refilledAt = now;
    }
    if (state.connections >= l.maxConnectionsPerAddress)
      return new ConnectionLimitError(address, "maxConnectionsPerAddress", l.maxConnectionsPerAddress);
    if (state.tokens < 1) return new ConnectionLimitError(address, "maxHandshakesPerSecond", l.maxHandshakesPerSecond);
    state.tokens -= 1;
    state.connections++;
    const key = keyOf(socket);
    this.pending.set(key, socket);
    socket.once("close", () => this.release(address, key, socket));
    return undefined;
  }

  /** `socket` (or the TLS socket over it) finished its handshake: it no longer counts as pending, still for its address. */
  handshakeDone(socket: Socket): void {
    this.pending.delete(keyOf(socket));
  }

  /** Forgets addresses with nothing open whose bucket is full again, so many short-lived addresses leave nothing behind. */
  sweep(): void {
    const now = this.now();
    const rate = this.limits.maxHandshakesPerSecond;
    for (const [address, state] of this.addresses)
      if (state.connections <= 0 && state.tokens + ((now - state.refilledAt) / 1000) * rate >= rate) this.addresses.delete(address);
  }

  private release(address: string, key: string, socket: Socket): void {
    if (this.pending.get(key) === socket) this.pending.delete(key);
    const state = this.addresses.get(address);
    if (state !== undefined) state.connections--;
  }
}

function keyOf(socket: Socket): string {
  return `${socket.remoteAddress ?? "?"}|${socket.remotePort ?? 0}`;
}
