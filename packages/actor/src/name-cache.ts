import { isMessage } from "@bufbuild/protobuf";
import type { Actor, ActorFactory, ReceiveContext } from "./actor.js";
import { isTsaktError } from "./errors.js";
import { TerminatedSchema } from "./gen/tsakt/actor/v1/system_pb.js";
import type { AskOptions, PID } from "./pid.js";

/** What the cache needs of its system. */
export interface NameCacheHost {
  actorOf(name: string): Promise<PID>;
  spawnSystemActor(name: string, factory: ActorFactory): Promise<PID>;
}

const sentTrue = Promise.resolve(true);
const sentFalse = Promise.resolve(false);

/** To the watcher actor: watch `pid`, cached for `name`. */
class WatchName {
  constructor(
    readonly name: string,
    readonly pid: PID,
  ) {}
}

/**
 * Where system.tell/ask by name find their PID: the last actorOf result per name, kept until the actor terminates
 * (a death watch held by /system/name-cache drops it, locally and across nodes), it reads as not alive, or an ask to
 * it fails with DeadActor or ActorNotFound (it moved); the next send then resolves the name again.
 */
export class NameCache {
  private readonly pids = new Map<string, PID>();
  private watcher: Promise<PID> | undefined = undefined;
  /** Names resolved through actorOf (cache misses) since the system started. */
  resolutions = 0;

  constructor(private readonly host: NameCacheHost) {}

  tell(name: string, message: unknown, sender: PID | undefined): Promise<boolean> {
    const cached = this.cached(name);
    // Settled promises never change, so every send through a cached PID shares one of two: no allocation per tell.
    if (cached !== undefined) return cached.tell(message, sender) ? sentTrue : sentFalse;
    return this.resolve(name).then((pid) => pid.tell(message, sender));
  }

  async ask<R>(name: string, message: unknown, options: AskOptions | undefined): Promise<R> {
    const cached = this.cached(name);
    if (cached !== undefined) {
      try {
        return await cached.ask<R>(message, options);
      } catch (error) {
        // Not processed there: the actor stopped or moved. Anything else (a timeout, a failure) is the answer.
        if (!isTsaktError(error, "DeadActor") && !isTsaktError(error, "ActorNotFound")) throw error;
        if (this.pids.get(name) === cached) this.pids.delete(name);
      }
    }
    return (await this.resolve(name)).ask<R>(message, options);
  }

  /** Names cached now. */
  get size(): number {
    return this.pids.size;
  }

  private cached(name: string): PID | undefined {
    const pid = this.pids.get(name);
    if (pid === undefined || pid.isAlive()) return pid;
    this.pids.delete(name);
    return undefined;
  }

  private async resolve(name: string): Promise<PID> {
    this.resolutions++;
    const pid = await this.host.actorOf(name);
    this.pids.set(name, pid);
    this.watcher ??= this.host.spawnSystemActor("name-cache", () => new NameWatcher(this.pids));
    (await this.watcher).tell(new WatchName(name, pid));
    return pid;
  }
}

/** Watches cached PIDs and drops their names when they terminate. */
class NameWatcher implements Actor {
  /** Cached names by the address of their PID. */
  private readonly names = new Map<string, Set<string>>();

  constructor(private readonly pids: Map<string, PID>) {}

  receive(ctx: ReceiveContext): void {
    const m = ctx.message;
    if (m instanceof WatchName) {
      let names = this.names.get(m.pid.address);
      if (names === undefined) {
        names = new Set();
        this.names.set(m.pid.address, names);
        ctx.watch(m.pid);
      }
      names.add(m.name);
    } else if (isMessage(m, TerminatedSchema)) {
      const names = this.names.get(m.address);
      this.names.delete(m.address);
      if (names !== undefined) for (const name of names) if (this.pids.get(name)?.address === m.address) this.pids.delete(name);
    }
  }
}
