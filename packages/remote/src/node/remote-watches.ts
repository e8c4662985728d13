import type { PID } from "@tsakt/actor";
import { deliverTerminated } from "@tsakt/actor/internal";
import type { Peer } from "../transport/peer.js";
import type { RemotePID } from "./remote-pid.js";

/** Local watchers of one remote actor. */
interface WatchEntry {
  readonly watchers: Set<PID>;
  readonly pids: Set<RemotePID>;
}

/**
 * Local actors' watches of actors on other nodes, per peer and path: the first watcher of an actor needs a Watch
 * sent to its node, the last one gone an Unwatch; a Terminated from the node, or losing the node, ends them all.
 */
export class RemoteWatches {
  private readonly byPeer = new Map<Peer, Map<string, WatchEntry>>();

  /** Registers `watcher` for `pid`; true when this is the first watcher of that actor (a Watch must be sent). */
  add(pid: RemotePID, watcher: PID): boolean {
    let watches = this.byPeer.get(pid.peer);
    if (watches === undefined) {
      watches = new Map();
      this.byPeer.set(pid.peer, watches);
    }
    let entry = watches.get(pid.path);
    const first = entry === undefined;
    if (entry === undefined) {
      entry = { watchers: new Set(), pids: new Set() };
      watches.set(pid.path, entry);
    }
    entry.watchers.add(watcher);
    entry.pids.add(pid);
    return first;
  }

  /** Removes `watcher`; true when nobody watches that actor any more (an Unwatch must be sent). */
  remove(pid: RemotePID, watcher: PID): boolean {
    const watches = this.byPeer.get(pid.peer);
    const entry = watches?.get(pid.path);
    if (watches === undefined || entry === undefined) return false;
    entry.watchers.delete(watcher);
    if (entry.watchers.size > 0) return false;
    watches.delete(pid.path);
    return true;
  }

  /** `peer` reported that its actor at `path` stopped. */
  terminated(peer: Peer, path: string): void {
    const watches = this.byPeer.get(peer);
    const entry = watches?.get(path);
    if (watches === undefined || entry === undefined) return;
    watches.delete(path);
    deliver(entry);
  }

  /** `peer` cannot be reached: every watcher of its actors gets Terminated. */
  peerLost(peer: Peer): void {
    const watches = this.byPeer.get(peer);
    if (watches === undefined || watches.size === 0) return;
    const entries = [...watches];
    watches.clear();
    for (const [, entry] of entries) deliver(entry);
  }
}

function deliver(entry: WatchEntry): void {
  const first = entry.pids.values().next().value as RemotePID;
  for (const pid of entry.pids) pid.dead = true;
  for (const watcher of entry.watchers) deliverTerminated(watcher, first);
}
