import { eventually } from "@tsakt/testkit";
import { expect } from "vitest";
import type { NetnsHost, NetnsLab } from "../../../tools/test-servers/src/index.js";
import { type AnsweredCall, describeOverlaps, findOverlaps, overlappingLives } from "./history.js";
import { type CallLog, converged, inNamespace, type SafetyEvent, SafetyNode, type SafetyNodeConfig, safetyPort } from "./safety-nodes.js";

/** What the observers call: named actors, a singleton and grain identities. */
export interface Targets {
  readonly actors: readonly string[];
  readonly singleton: string;
  readonly grains: readonly string[];
}

/** The targets as the fixture's observe op takes them, and their keys in the call log. */
export function observed(targets: Targets): { targets: Record<string, string>[]; keys: string[] } {
  const list = [...targets.actors.map((actor) => ({ actor })), { actor: targets.singleton }, ...targets.grains.map((grain) => ({ grain }))];
  const keys = list.map((t) => ("grain" in t ? `grain:${t.grain}` : `actor:${t.actor}`));
  return { targets: list, keys };
}

/** The name of the safety node on `host`. */
export function nodeName(host: NetnsHost): string {
  return `${host.ip}:${safetyPort}`;
}

/** Starts a safety node on `host` that joins through every host of the lab. */
export function startNodeOn(lab: NetnsLab, host: NetnsHost, log: CallLog, extra: Partial<SafetyNodeConfig> = {}): Promise<SafetyNode> {
  const peers = lab.hosts.map(nodeName);
  return SafetyNode.start(
    { host: host.ip, port: safetyPort, peers, logLevel: "warn", traceRegistry: true, ...extra },
    inNamespace(lab, host),
    log,
  );
}

/**
 * Starts a node on every host of the lab, the first one alone first (so it is the oldest member: leader and
 * singleton host), and waits until all agree on the membership.
 */
export async function startLabCluster(lab: NetnsLab, log: CallLog, extra: Partial<SafetyNodeConfig> = {}): Promise<SafetyNode[]> {
  const [first, ...rest] = lab.hosts as [NetnsHost, ...NetnsHost[]];
  const oldest = await startNodeOn(lab, first, log, extra);
  const nodes = [oldest, ...(await Promise.all(rest.map((host) => startNodeOn(lab, host, log, extra))))];
  await eventually(`${nodes.length} members everywhere`, () => converged(nodes, lab.hosts.map(nodeName)), {
    timeoutMs: 30_000,
    intervalMs: 50,
  });
  return nodes;
}

/**
 * Spawns the named actors (round-robin from the last node, so they spread over every node), the singleton (on the
 * oldest member) and activates each grain identity by a first call from a different node in turn.
 */
export async function placeTargets(nodes: readonly SafetyNode[], targets: Targets): Promise<void> {
  const last = nodes[nodes.length - 1] as SafetyNode;
  for (const name of targets.actors) await last.request("spawnOn", { name, options: { placement: "round-robin" } });
  await (nodes[0] as SafetyNode).request("singleton", { name: targets.singleton });
  await Promise.all(
    targets.grains.map((grain, i) => (nodes[i % nodes.length] as SafetyNode).request("call", { target: { grain }, timeoutMs: 5000 })),
  );
}

/** True when every target key has an answer from a caller in `callers`, sent at or after `since`, by a copy on one of `hosts`. */
export function allAnswered(
  answers: readonly AnsweredCall[],
  keys: readonly string[],
  callers: ReadonlySet<string>,
  since: number,
): boolean {
  const answered = new Set<string>();
  for (const a of answers) if (a.sentAt >= since && callers.has(a.caller) && callers.has(a.node)) answered.add(a.target);
  return keys.every((k) => answered.has(k));
}

/** The keys that `caller` has had no answer for, among its calls sent at or after `since`. */
export function unansweredBy(answers: readonly AnsweredCall[], keys: readonly string[], caller: string, since: number): string[] {
  const answered = new Set<string>();
  for (const a of answers) if (a.caller === caller && a.sentAt >= since) answered.add(a.target);
  return keys.filter((k) => !answered.has(k));
}

/**
 * Waits until every one of `callers` has had an answer for every key, among its calls sent at or after `since`; the
 * failure names what each caller still lacks and the errors its calls met.
 */
export async function everyCallerServed(
  callers: readonly SafetyNode[],
  log: CallLog,
  keys: readonly string[],
  since: number,
  ms = 30_000,
): Promise<number> {
  const waiting = () =>
    callers.map((n) => [n.name, unansweredBy(log.answers, keys, n.name, since)] as const).filter(([, lacking]) => lacking.length > 0);
  return eventually("every target to answer every caller", () => waiting().length === 0, { timeoutMs: ms }).catch((error: Error) => {
    const codes = (caller: string, key: string) => {
      const counts = new Map<string, number>();
      for (const m of log.misses)
        if (m.caller === caller && m.target === key && m.sentAt >= since) counts.set(m.code, (counts.get(m.code) ?? 0) + 1);
      return JSON.stringify(Object.fromEntries(counts));
    };
    const lacking = waiting();
    const lines = lacking.map(([n, keys]) => `${n} lacks ${keys.map((key) => `${key} ${codes(n, key)}`).join(", ")}`);
    const culprits = [...new Set(lacking.flatMap(([, keys]) => keys))];
    throw new Error(`${error.message}:\n${lines.join("\n")}\n${timeline(callers, log, since, culprits)}`);
  });
}

/** For a failure message: the targets without such an answer, with the failures their calls met since. */
export function unanswered(log: CallLog, keys: readonly string[], callers: ReadonlySet<string>, since: number): string {
  const answered = new Set<string>();
  for (const a of log.answers) if (a.sentAt >= since && callers.has(a.caller) && callers.has(a.node)) answered.add(a.target);
  const lines: string[] = [];
  for (const key of keys) {
    if (answered.has(key)) continue;
    const codes = new Map<string, number>();
    for (const m of log.misses)
      if (m.target === key && m.sentAt >= since && callers.has(m.caller)) codes.set(m.code, (codes.get(m.code) ?? 0) + 1);
    const elsewhere = log.answers.filter((a) => a.target === key && a.sentAt >= since && callers.has(a.caller)).map((a) => a.node);
    lines.push(
      `${key}: failures ${JSON.stringify(Object.fromEntries(codes))}, answered from outside by ${[...new Set(elsewhere)].join(", ") || "nobody"}`,
    );
  }
  return lines.join("\n");
}

/** The copies (instance ids) of each target that answered calls sent at or after `since`. */
export function copiesSince(answers: readonly AnsweredCall[], since: number): Map<string, Set<string>> {
  const out = new Map<string, Set<string>>();
  for (const a of answers) {
    if (a.sentAt < since) continue;
    let set = out.get(a.target);
    if (set === undefined) out.set(a.target, (set = new Set()));
    set.add(`${a.instance}@${a.node}`);
  }
  return out;
}

/**
 * Waits until every target has `rounds` more answers from callers in `callers`, sent after now: the observers
 * have kept calling through that stretch.
 */
export async function moreAnswers(
  log: CallLog,
  keys: readonly string[],
  callers: ReadonlySet<string>,
  rounds: number,
  ms = 30_000,
): Promise<void> {
  const since = Date.now();
  await eventually(
    `${rounds} more answers for every target`,
    () => {
      const counts = new Map<string, number>();
      for (const a of log.answers) if (a.sentAt >= since && callers.has(a.caller)) counts.set(a.target, (counts.get(a.target) ?? 0) + 1);
      return keys.every((k) => (counts.get(k) ?? 0) >= rounds);
    },
    { timeoutMs: ms, intervalMs: 50 },
  );
}

/** For a failure message: every node's events about `keys` (registry calls, relocations) and membership, and the copies, relative to `t0`. */
export function timeline(nodes: readonly SafetyNode[], log: CallLog, t0: number, keys: readonly string[]): string {
  const rel = (t: number) => `+${t - t0}`;
  const lines: [number, string][] = [];
  const wanted = (e: SafetyEvent): boolean => {
    if (["member-left", "decision", "member-downed", "unreachable", "stopped"].includes(e.event)) return true;
    const key = (e as { key?: string }).key ?? "";
    const name = e.name ?? "";
    return keys.some((k) => key.endsWith(`/${k.split(":")[1]}`) || name === k.split(":")[1]);
  };
  for (const n of nodes)
    for (const e of n.events)
      if (wanted(e)) {
        const { at, started, ...rest } = e as SafetyEvent & { started?: number };
        lines.push([at, `${rel(at)} ${n.name} ${JSON.stringify({ ...rest, ...(started === undefined ? {} : { took: at - started }) })}`]);
      }
  for (const c of log.copies.values())
    if (keys.includes(c.target))
      lines.push([
        c.startedAt,
        `${rel(c.startedAt)} copy ${c.target} ${c.instance}@${c.node} until ${c.stoppedAt === undefined ? "now" : rel(c.stoppedAt)}`,
      ]);
  return lines
    .sort((a, b) => a[0] - b[0])
    .map(([, line]) => line)
    .join("\n");
}

/**
 * The safety checks of every partition test: no two copies of one target answered at the same time (the history
 * checker), no two copies lived at the same time as their nodes reported it, and — with `singleSince` — exactly one
 * copy of each of `keys` answered calls sent since then. Failures carry the timeline of the targets at fault.
 */
export function expectSafe(nodes: readonly SafetyNode[], log: CallLog, t0: number, keys: readonly string[], singleSince?: number): void {
  const overlaps = findOverlaps(log.answers);
  const lives = overlappingLives(log.copies.values(), Date.now());
  const culprits = [...new Set([...overlaps.map((o) => o.target), ...lives.map((l) => l.split(": ")[0] as string)])];
  const context = culprits.length === 0 ? "" : `\n${timeline(nodes, log, t0, culprits)}`;
  expect(overlaps, `${describeOverlaps(overlaps)}${context}`).toEqual([]);
  expect(lives, `${lives.join("\n")}${context}`).toEqual([]);
  if (singleSince === undefined) return;
  const latest = copiesSince(log.answers, singleSince);
  for (const key of keys) expect([key, [...(latest.get(key) ?? [])]]).toEqual([key, [expect.any(String)]]);
}
