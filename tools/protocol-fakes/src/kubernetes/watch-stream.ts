import type { ServerResponse } from "node:http";
import { tooOldResourceVersion } from "./api-status.js";
import type { PodJson } from "./fake-pod.js";
import type { PodChange, PodStore } from "./pod-store.js";

/** What one watch request asked for, after parsing. */
export interface WatchSpec {
  /** Namespace, label and field selection. */
  matches(pod: PodJson): boolean;
  /** "Start at exact": events after this version. Undefined: "get state and start at most recent" (synthetic ADDED first). */
  from: number | undefined;
  /** allowWatchBookmarks=true. */
  bookmarks: boolean;
  /** When the server ends the stream (timeoutSeconds, or its own request timeout). */
  timeoutMs: number;
  /** How often a bookmark is sent, kube-apiserver's bookmarkFrequency. */
  bookmarkIntervalMs: number;
  /** The response's Content-Type. */
  contentType: string;
  /** Encodes an event's pod (a Table for kubectl); `first` is true for the stream's first object. Default: the pod as is. */
  render?(pod: PodJson, first: boolean): unknown;
}

/** How one stored change looks through a watch with `matches` (changes across the selection become ADDED/DELETED). */
function viewOf(change: PodChange, matches: (pod: PodJson) => boolean): { type: string; object: PodJson } | undefined {
  const before = change.previous !== undefined && matches(change.previous);
  const after = change.type !== "DELETED" && matches(change.pod);
  if (change.type === "DELETED") return before ? { type: "DELETED", object: change.pod } : undefined;
  if (before && after) return { type: "MODIFIED", object: change.pod };
  if (after) return { type: "ADDED", object: change.pod };
  if (before) return { type: "DELETED", object: change.pod };
  return undefined;
}

/** A bookmark's object: an empty Pod carrying only the resource version, encoded as Go encodes an empty v1.Pod. */
function bookmarkObject(resourceVersion: number): Record<string, unknown> {
  return {
    kind: "Pod",
    apiVersion: "v1",
    metadata: { resourceVersion: String(resourceVersion), creationTimestamp: null },
    spec: { containers: null },
    status: {},
  };
}

/**
 * Serves one watch as the watch cache does: newline-delimited events, 410 Gone (as an ERROR event)
 * for a version older than the kept history, nothing for changes at or before a version ahead of the
 * server, bookmarks every interval and 2 s before the deadline. Returns the function that ends it.
 */
export function streamWatch(
  res: ServerResponse,
  store: PodStore,
  spec: WatchSpec,
  hooks: { onBookmark(): void; onEnd(): void },
): () => void {
  res.writeHead(200, { "Content-Type": spec.contentType, "Cache-Control": "no-cache, private" });
  res.flushHeaders();
  let first = true;
  const send = (type: string, object: unknown): void => {
    if (res.destroyed || res.writableEnded) return;
    let encoded = object;
    if (spec.render && type !== "ERROR" && type !== "BOOKMARK") {
      encoded = spec.render(object as PodJson, first);
      first = false;
    }
    res.write(`${JSON.stringify({ type, object: encoded })}\n`);
  };
  const from = spec.from;
  if (from === undefined) {
    for (const pod of store.list()) if (spec.matches(pod)) send("ADDED", pod);
  } else {
    const backlog = store.since(from);
    if (backlog === undefined) {
      send("ERROR", tooOldResourceVersion(from, store.oldestResumable));
      res.end();
      hooks.onEnd();
      return () => undefined;
    }
    for (const change of backlog) {
      const view = viewOf(change, spec.matches);
      if (view) send(view.type, view.object);
    }
  }
  // Versions at or below a start ahead of the server are skipped, as the watch cache's watcher skips them.
  const floor = from ?? 0;
  const unsubscribe = store.subscribe((change) => {
    if (change.resourceVersion <= floor) return;
    const view = viewOf(change, spec.matches);
    if (view) send(view.type, view.object);
  });

  const deadline = Date.now() + spec.timeoutMs;
  let bookmarkTimer: NodeJS.Timeout | undefined;
  const scheduleBookmark = (): void => {
    if (!spec.bookmarks) return;
    const now = Date.now();
    const last = now + spec.bookmarkIntervalMs >= deadline - 2000;
    const at = last ? deadline - 2000 : now + spec.bookmarkIntervalMs;
    if (at < now) return;
    bookmarkTimer = setTimeout(() => {
      if (store.revision > floor) {
        send("BOOKMARK", bookmarkObject(store.revision));
        hooks.onBookmark();
      }
      // The one 2 s before the deadline is the last (a timer may fire a millisecond early by Date.now()).
      if (!last) scheduleBookmark();
    }, at - now);
    bookmarkTimer.unref();
  };
  scheduleBookmark();

  const timeout = setTimeout(() => end(), spec.timeoutMs);
  timeout.unref();
  let ended = false;
  // Ending detaches from the store at once, so no event can be written after the stream's end.
  const end = (): void => {
    if (ended) return;
    ended = true;
    clearTimeout(timeout);
    clearTimeout(bookmarkTimer);
    unsubscribe();
    hooks.onEnd();
    if (!res.writableEnded) res.end();
  };
  res.on("close", end);
  return end;
}
