/**
 * The history checker: from every acknowledged call of a run (which copy answered, when the call was sent and when
 * its reply came back, in ms of one wall clock), finds pairs of copies of one target — activations of a grain
 * identity, instances of a named actor or singleton — that were certainly alive at the same instant.
 *
 * A copy answered each of its calls at some instant between the call's send and its reply (inclusive, to the ms:
 * before `repliedAt + 1`). A copy lives one contiguous stretch (each activation and instance has its own random
 * id), so it was alive from its first answer to its last, which surely covers [min(repliedAt) + 1, max(sentAt)]:
 * its certain window. Two copies overlap when their certain windows meet, or when a call of one lies wholly inside
 * the other's certain window. Nothing else is flagged, so clock granularity and in-flight time never make a
 * false alarm; an overlap shorter than a round trip may go unseen.
 */

/** One acknowledged call. */
export interface AnsweredCall {
  /** What was called, e.g. "grain:g3" or "actor:boss". */
  readonly target: string;
  /** The node that made the call. */
  readonly caller: string;
  /** The node whose copy answered. */
  readonly node: string;
  /** The id of the copy (activation or actor instance) that answered. */
  readonly instance: string;
  /** When the call was sent (ms since the epoch). */
  readonly sentAt: number;
  /** When its reply arrived (ms since the epoch). */
  readonly repliedAt: number;
}

/** What the history says about one copy of a target. */
export interface CopySpan {
  readonly instance: string;
  readonly node: string;
  readonly calls: number;
  /** Its first possible answer instant (the earliest send). */
  readonly firstSentAt: number;
  /** Its last possible answer instant (the latest reply). */
  readonly lastRepliedAt: number;
  /** Start of the stretch it was certainly alive: min(repliedAt) + 1. */
  readonly certainFrom: number;
  /** End of that stretch: max(sentAt); below certainFrom when it answered once or in a burst. */
  readonly certainTo: number;
}

/** Two copies of one target that were alive at once. */
export interface Overlap {
  readonly target: string;
  readonly first: CopySpan;
  readonly second: CopySpan;
  /** Why the checker is sure. */
  readonly evidence: string;
}

/** The copies each target had over the run, in order of their first call. */
export function copiesByTarget(calls: readonly AnsweredCall[]): Map<string, CopySpan[]> {
  const byTarget = new Map<string, Map<string, AnsweredCall[]>>();
  for (const call of calls) {
    let copies = byTarget.get(call.target);
    if (copies === undefined) byTarget.set(call.target, (copies = new Map()));
    const list = copies.get(call.instance);
    if (list === undefined) copies.set(call.instance, [call]);
    else list.push(call);
  }
  const out = new Map<string, CopySpan[]>();
  for (const [target, copies] of byTarget) {
    const spans = [...copies].map(([instance, list]) => span(instance, list));
    spans.sort((a, b) => a.firstSentAt - b.firstSentAt);
    out.set(target, spans);
  }
  return out;
}

/** Every pair of copies of one target that the history proves alive at the same instant; empty when none. */
export function findOverlaps(calls: readonly AnsweredCall[]): Overlap[] {
  const overlaps: Overlap[] = [];
  const byTarget = copiesByTarget(calls);
  const callsOf = new Map<string, AnsweredCall[]>();
  for (const call of calls) {
    const key = `${call.target}\u0000${call.instance}`;
    const list = callsOf.get(key);
    if (list === undefined) callsOf.set(key, [call]);
    else list.push(call);
  }
  for (const [target, spans] of byTarget) {
    for (let i = 0; i < spans.length; i++) {
      for (let j = i + 1; j < spans.length; j++) {
        const a = spans[i] as CopySpan;
        const b = spans[j] as CopySpan;
        const evidence =
          windowsMeet(a, b) ??
          callInside(b, callsOf.get(`${target}\u0000${b.instance}`) ?? [], a) ??
          callInside(a, callsOf.get(`${target}\u0000${a.instance}`) ?? [], b);
        if (evidence !== undefined) overlaps.push({ target, first: a, second: b, evidence });
      }
    }
  }
  return overlaps;
}

/** A readable line per overlap, for a failure message. */
export function describeOverlaps(overlaps: readonly Overlap[]): string {
  return overlaps
    .map((o) => `${o.target}: ${o.first.instance}@${o.first.node} and ${o.second.instance}@${o.second.node}: ${o.evidence}`)
    .join("\n");
}

function span(instance: string, calls: readonly AnsweredCall[]): CopySpan {
  let firstSentAt = Number.POSITIVE_INFINITY;
  let lastRepliedAt = Number.NEGATIVE_INFINITY;
  let minReplied = Number.POSITIVE_INFINITY;
  let maxSent = Number.NEGATIVE_INFINITY;
  for (const c of calls) {
    firstSentAt = Math.min(firstSentAt, c.sentAt);
    lastRepliedAt = Math.max(lastRepliedAt, c.repliedAt);
    minReplied = Math.min(minReplied, c.repliedAt);
    maxSent = Math.max(maxSent, c.sentAt);
  }
  const node = (calls[0] as AnsweredCall).node;
  return { instance, node, calls: calls.length, firstSentAt, lastRepliedAt, certainFrom: minReplied + 1, certainTo: maxSent };
}

function hasWindow(s: CopySpan): boolean {
  return s.certainFrom <= s.certainTo;
}

function windowsMeet(a: CopySpan, b: CopySpan): string | undefined {
  if (!hasWindow(a) || !hasWindow(b)) return undefined;
  if (a.certainFrom > b.certainTo || b.certainFrom > a.certainTo) return undefined;
  return `both certainly alive from ${Math.max(a.certainFrom, b.certainFrom)} to ${Math.min(a.certainTo, b.certainTo)}`;
}

function callInside(copy: CopySpan, calls: readonly AnsweredCall[], other: CopySpan): string | undefined {
  if (!hasWindow(other)) return undefined;
  const inside = calls.find((c) => c.sentAt >= other.certainFrom && c.repliedAt + 1 <= other.certainTo);
  if (inside === undefined) return undefined;
  return (
    `${copy.instance} answered a call from ${inside.caller} sent at ${inside.sentAt} and replied at ${inside.repliedAt}, ` +
    `while ${other.instance} was certainly alive from ${other.certainFrom} to ${other.certainTo}`
  );
}

/** One copy's life as its node reported it: started (preStart, onActivate) and stopped (postStop, onDeactivate). */
export interface CopyLife {
  readonly target: string;
  readonly instance: string;
  readonly node: string;
  readonly startedAt: number;
  /** When it stopped, or when its process ended (SIGKILL, exit) without saying; undefined while it lives. */
  stoppedAt: number | undefined;
  /** True when stoppedAt is its process's end, not a reported stop. */
  endedWithProcess: boolean;
}

/**
 * Pairs of copies of one target whose reported lives overlap: a stricter check than the answers (a copy nobody could
 * reach still counts). Copies still alive count as alive until `now`.
 */
export function overlappingLives(copies: Iterable<CopyLife>, now: number): string[] {
  const byTarget = new Map<string, CopyLife[]>();
  for (const copy of copies) {
    const list = byTarget.get(copy.target);
    if (list === undefined) byTarget.set(copy.target, [copy]);
    else list.push(copy);
  }
  const found: string[] = [];
  for (const [target, list] of byTarget) {
    list.sort((a, b) => a.startedAt - b.startedAt);
    for (let i = 0; i < list.length; i++) {
      const a = list[i] as CopyLife;
      const end = a.stoppedAt ?? now;
      for (let j = i + 1; j < list.length; j++) {
        const b = list[j] as CopyLife;
        if (b.startedAt >= end) break;
        found.push(
          `${target}: ${a.instance}@${a.node} lived ${a.startedAt}–${a.stoppedAt ?? "now"}${a.endedWithProcess ? " (process end)" : ""}, ` +
            `${b.instance}@${b.node} started at ${b.startedAt} (${end - b.startedAt} ms before the first stopped)`,
        );
      }
    }
  }
  return found;
}
