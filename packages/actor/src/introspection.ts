import { ActorCell } from "./cell.js";
import type { ActorSystem } from "./system.js";

/** One local actor as introspection sees it, copied out as plain data. */
export interface ActorSnapshot {
  /** Path inside the system, for example "/user/orders/42". */
  readonly path: string;
  /** Its own name (the last path segment). */
  readonly name: string;
  /** Depth below its guardian: 1 for a top-level actor. */
  readonly depth: number;
  /** Lifecycle state. */
  readonly state: ActorCell["stateName"];
  /** Messages waiting in its own mailbox now. */
  readonly mailbox: number;
  /** Messages it processed since it was spawned (restarts keep counting). */
  readonly processed: number;
  /** Number of live children. */
  readonly children: number;
}

/** Where a walk starts and how deep it goes. */
export interface ActorWalkOptions {
  /** Path of the actor whose descendants are walked: "/user", "/system" or any actor's path. Default: both guardians. */
  under?: string;
  /** Deepest level returned, counted from the guardian (1 = top-level actors). Default: no limit. */
  maxDepth?: number;
}

/**
 * Calls `visit` for every live local actor under `options.under` (guardians excluded), parents before their children,
 * siblings in spawn order; stops early when `visit` returns false. Reads only; meant for management views, not hot
 * paths (it touches every actor). Returns false when `under` names no live actor.
 */
export function walkActors(
  system: ActorSystem,
  visit: (actor: ActorSnapshot) => boolean | undefined,
  options: ActorWalkOptions = {},
): boolean {
  const roots = options.under === undefined ? ["/user", "/system"] : [options.under];
  const maxDepth = options.maxDepth ?? Number.POSITIVE_INFINITY;
  let found = false;
  for (const path of roots) {
    const start = system.localActorOf(path);
    if (!(start instanceof ActorCell)) continue;
    found = true;
    const startDepth = start.isGuardian ? 0 : depthOf(start);
    // An explicit stack, so a deep hierarchy cannot overflow the call stack.
    const stack: Array<[ActorCell, number]> = start
      .childCells()
      .reverse()
      .map((c): [ActorCell, number] => [c as ActorCell, startDepth + 1]);
    while (stack.length > 0) {
      const [cell, depth] = stack.pop() as [ActorCell, number];
      const children = cell.childCells();
      if (visit(snapshotOf(cell, depth, children.length)) === false) return true;
      if (depth < maxDepth) for (let i = children.length - 1; i >= 0; i--) stack.push([children[i] as ActorCell, depth + 1]);
    }
  }
  return found;
}

/** The snapshot of the local actor at `path`, or undefined when there is none (guardians have none). */
export function actorSnapshot(system: ActorSystem, path: string): ActorSnapshot | undefined {
  const cell = system.localActorOf(path);
  if (!(cell instanceof ActorCell) || cell.isGuardian) return undefined;
  return snapshotOf(cell, depthOf(cell), cell.childCells().length);
}

function depthOf(cell: ActorCell): number {
  let depth = 0;
  for (let c: ActorCell | undefined = cell; c !== undefined && !c.isGuardian; c = c.parentCell as ActorCell | undefined) depth++;
  return depth;
}

function snapshotOf(cell: ActorCell, depth: number, children: number): ActorSnapshot {
  return {
    path: cell.path,
    name: cell.name,
    depth,
    state: cell.stateName,
    mailbox: cell.mailboxSize,
    processed: cell.processed,
    children,
  };
}
