import type { Actor, PID } from "@tsakt/actor";
import { TerminatedSchema } from "@tsakt/actor";
import type { Peer } from "../transport/peer.js";

/** A request to the watch registry, from the connection that carried a Watch or Unwatch (or lost its peer). */
export class WatchCommand {
  constructor(
    readonly op: "watch" | "unwatch" | "peer-gone",
    readonly path: string,
    readonly peer: Peer,
  ) {}
}

/** What the registry needs from the node. */
export interface WatchHost {
  /** The node's address prefix. */
  readonly address: string;
  /** The local actor at `path`, or undefined. */
  localActor(path: string): PID | undefined;
  /** Tells `peer` that the actor at `address` stopped. */
  sendTerminated(peer: Peer, address: string): void;
}

/**
 * The system actor (/system/remote-watch) that watches local actors on behalf of other nodes: it holds, per
 * local actor, the peers interested in it, and sends each a Terminated when the actor stops.
 */
export function watchRegistry(host: WatchHost): Actor {
  const byPath = new Map<string, { pid: PID; peers: Set<Peer> }>();
  return {
    receive(ctx) {
      const m = ctx.message;
      if (m instanceof WatchCommand) {
        if (m.op === "watch") {
          let entry = byPath.get(m.path);
          if (entry === undefined) {
            const pid = host.localActor(m.path);
            if (pid === undefined || !pid.isAlive()) {
              host.sendTerminated(m.peer, host.address + m.path);
              return;
            }
            entry = { pid, peers: new Set() };
            byPath.set(m.path, entry);
            ctx.watch(pid);
          }
          entry.peers.add(m.peer);
        } else if (m.op === "unwatch") {
          const entry = byPath.get(m.path);
          if (entry === undefined) return;
          entry.peers.delete(m.peer);
          if (entry.peers.size === 0) {
            byPath.delete(m.path);
            ctx.unwatch(entry.pid);
          }
        } else {
          for (const [path, entry] of byPath) {
            entry.peers.delete(m.peer);
            if (entry.peers.size === 0) {
              byPath.delete(path);
              ctx.unwatch(entry.pid);
            }
          }
        }
      } else if (ctx.is(TerminatedSchema)) {
        const address = ctx.message.address;
        const path = address.startsWith(host.address) ? address.slice(host.address.length) : address;
        const entry = byPath.get(path);
        if (entry === undefined) return;
        byPath.delete(path);
        for (const peer of entry.peers) host.sendTerminated(peer, address);
      }
    },
  };
}
