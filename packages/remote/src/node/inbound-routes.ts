import { InvalidNameError, type PID } from "@tsakt/actor";

/** Resolves the rest of a routed path (what follows the route's prefix) to its receiver; undefined when there is none. */
export type InboundResolver = (rest: string) => PID | undefined;

/**
 * Receivers of paths under a system actor that are not actors themselves: a plugin routes what peers send to
 * "/system/<name>/<prefix>…" to a receiver of its own (the grains route calls for a grain straight to it, without a
 * turn of their manager actor). Remoting looks here before the actor tree; the receiver of a connection's last
 * receiver address is cached with it, so a route's resolver runs once per change of receiver, not per message.
 */
export class InboundRoutes {
  private routes: { readonly prefix: string; readonly resolve: InboundResolver }[] = [];

  /** Routes paths starting with `prefix` ("/system/<name>/…/", ending in "/") to `resolve`; returns the removal. */
  add(prefix: string, resolve: InboundResolver): () => void {
    if (typeof prefix !== "string" || !/^\/system\/[^/]+\/.*\/$/.test(prefix))
      throw new InvalidNameError(String(prefix), 'must be a path under a system actor ending in "/", like "/system/grains/$call/"');
    const route = { prefix, resolve };
    this.routes = [...this.routes, route];
    return () => {
      this.routes = this.routes.filter((r) => r !== route);
    };
  }

  /** The receiver of `path` when a route takes it: a PID, or null when the route knows no receiver; undefined when no route does. */
  resolve(path: string): PID | null | undefined {
    for (const route of this.routes) if (path.startsWith(route.prefix)) return route.resolve(path.slice(route.prefix.length)) ?? null;
    return undefined;
  }
}
