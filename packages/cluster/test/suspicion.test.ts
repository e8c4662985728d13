import { create } from "@bufbuild/protobuf";
import { silentLogger } from "@tsakt/actor";
import { TestClock } from "@tsakt/testkit";
import { afterEach, describe, expect, it } from "vitest";
import { type Member, MemberSchema, type MemberState, MemberStateSchema, MemberStatus } from "../src/gen/tsakt/cluster/v1/cluster_pb.js";
import { GossipQueue } from "../src/gossip-queue.js";
import { LocalHealth } from "../src/local-health.js";
import { Membership } from "../src/membership.js";
import { suspicionTimeoutMs } from "../src/suspicion.js";

function member(name: string, uid = `${name}-1`): Member {
  return create(MemberSchema, { name, host: "127.0.0.1", port: name.charCodeAt(0), system: "sys", uid, startedAtMs: 1000 });
}

function state(m: Member, status: MemberStatus, incarnation = 0, suspectedBy = ""): MemberState {
  return create(MemberStateSchema, { member: m, status, incarnation, suspectedBy });
}

const [self, b, c, d, e] = ["a", "b", "c", "d", "e"].map((n) => member(n)) as [Member, Member, Member, Member, Member];
const minMs = 300;
const maxMs = 900;
let membership: Membership | undefined;

/** A membership of five members on a test clock; `suspected` collects the suspicions it was asked to check. */
function start(health?: LocalHealth, maxTimeoutMs = maxMs) {
  const clock = new TestClock();
  const gossip = new GossipQueue(512, 64, 2);
  const suspected: string[] = [];
  const m = new Membership(
    self,
    {
      clock,
      suspicionTimeoutMs: minMs,
      suspicionMaxTimeoutMs: maxTimeoutMs,
      deadMemberTtlMs: 60_000,
      ...(health === undefined ? {} : { health }),
    },
    gossip,
    {
      joined: () => {},
      left: () => {},
      refuted: () => {},
      reachabilityChanged: () => {},
      downed: () => {},
      unverified: () => {},
      suspected: (s) => suspected.push(s.member?.name ?? ""),
    },
    silentLogger,
  );
  for (const other of [b, c, d, e]) m.applyAll([state(other, MemberStatus.ALIVE)], { from: other, direct: true });
  membership = m;
  const unreachable = () => m.unreachable().has("b");
  return { clock, gossip, m, suspected, unreachable };
}

afterEach(() => membership?.stop());

describe("suspicionTimeoutMs (Lifeguard)", () => {
  it("waits the maximum on one suspector and the minimum once every expected member confirmed", () => {
    expect(suspicionTimeoutMs(0, 3, minMs, maxMs)).toBe(900);
    expect(suspicionTimeoutMs(1, 3, minMs, maxMs)).toBe(600); // 900 - log(2)/log(4) × 600
    expect(suspicionTimeoutMs(2, 3, minMs, maxMs)).toBe(424); // 900 - log(3)/log(4) × 600, rounded down
    expect(suspicionTimeoutMs(3, 3, minMs, maxMs)).toBe(300);
    expect(suspicionTimeoutMs(7, 3, minMs, maxMs)).toBe(300);
  });

  it("waits the minimum when nobody else could confirm (two members) or the bounds are equal", () => {
    expect(suspicionTimeoutMs(0, 0, minMs, maxMs)).toBe(300);
    expect(suspicionTimeoutMs(0, 3, 500, 500)).toBe(500);
  });
});

describe("suspicion timers on the test clock", () => {
  it("a suspicion raised by this node alone makes the member unreachable after the maximum timeout", async () => {
    const { clock, m, unreachable } = start();
    m.suspect("b", b.uid, 0);
    expect(m.get("b")?.status).toBe(MemberStatus.SUSPECT);
    expect(m.get("b")?.suspectedBy).toBe("a");
    await clock.advance(maxMs - 1);
    expect(unreachable()).toBe(false);
    await clock.advance(1);
    expect(unreachable()).toBe(true);
  });

  it("independent confirmations shorten the timeout, the time already waited counting", async () => {
    const { clock, m, unreachable, gossip } = start();
    m.suspect("b", b.uid, 0);
    await clock.advance(100);
    gossip.clear();
    // c confirms: 600 ms in all.
    m.apply(state(b, MemberStatus.SUSPECT, 0, "c"), { from: c, direct: false });
    expect(gossip.take(5).map((s) => s.suspectedBy)).toEqual(["c"]); // a new confirmation spreads
    await clock.advance(399);
    expect(unreachable()).toBe(false);
    // d and e confirm at 499 ms: the minimum (300 ms) has passed already, so b is unreachable at once.
    m.apply(state(b, MemberStatus.SUSPECT, 0, "d"), { from: c, direct: false });
    m.apply(state(b, MemberStatus.SUSPECT, 0, "e"), { from: d, direct: false });
    await clock.advance(0);
    expect(unreachable()).toBe(true);
  });

  it("the same confirmer twice, another run's or an older incarnation's suspicion confirm nothing", async () => {
    const { clock, m, unreachable, gossip } = start();
    m.apply(state(b, MemberStatus.SUSPECT, 0, "c"), { from: c, direct: false });
    await clock.advance(10);
    gossip.clear();
    m.apply(state(b, MemberStatus.SUSPECT, 0, "c"), { from: d, direct: false });
    m.apply(state(member("b", "b-2"), MemberStatus.SUSPECT, 0, "d"), { from: d, direct: false });
    expect(gossip.size).toBe(0);
    await clock.advance(maxMs - 11);
    expect(unreachable()).toBe(false);
    await clock.advance(1);
    expect(unreachable()).toBe(true);
  });

  it("this node's own failed probe of a member suspect already confirms the suspicion", async () => {
    const { clock, m, unreachable } = start();
    m.apply(state(b, MemberStatus.SUSPECT, 0, "c"), { from: c, direct: false });
    m.suspect("b", b.uid, 0);
    await clock.advance(600 - 1);
    expect(unreachable()).toBe(false);
    await clock.advance(1);
    expect(unreachable()).toBe(true);
  });

  it("asks for a probe of a member another node suspects, not of one this node suspects itself", () => {
    const { m, suspected } = start();
    m.apply(state(b, MemberStatus.SUSPECT, 0, "c"), { from: c, direct: false });
    m.suspect("d", d.uid, 0);
    expect(suspected).toEqual(["b"]);
  });

  it("with suspicionMaxTimeoutMs at suspicionTimeoutMs (the default) confirmations neither shorten nor spread", async () => {
    const { clock, m, unreachable, gossip } = start(undefined, minMs);
    m.suspect("b", b.uid, 0);
    await clock.advance(100);
    gossip.clear();
    m.apply(state(b, MemberStatus.SUSPECT, 0, "c"), { from: c, direct: false });
    m.apply(state(b, MemberStatus.SUSPECT, 0, "d"), { from: d, direct: false });
    expect(gossip.size).toBe(0);
    await clock.advance(minMs - 101);
    expect(unreachable()).toBe(false);
    await clock.advance(1);
    expect(unreachable()).toBe(true);
  });

  it("a refutation ends the suspicion: the member never becomes unreachable", async () => {
    const { clock, m, unreachable } = start();
    m.suspect("b", b.uid, 0);
    await clock.advance(500);
    m.apply(state(b, MemberStatus.ALIVE, 1), { from: b, direct: true });
    await clock.advance(10 * maxMs);
    expect(unreachable()).toBe(false);
    expect(m.get("b")?.status).toBe(MemberStatus.ALIVE);
  });

  it("a node in poor local health stretches its suspicion timeouts by its multiplier", async () => {
    const health = new LocalHealth(8);
    health.worse();
    health.worse(); // multiplier 3
    const { clock, m, unreachable } = start(health);
    m.suspect("b", b.uid, 0);
    await clock.advance(3 * maxMs - 1);
    expect(unreachable()).toBe(false);
    await clock.advance(1);
    expect(unreachable()).toBe(true);
  });
});

describe("LocalHealth", () => {
  it("rises with each sign of slowness up to its bound and falls back with each timely probe", () => {
    const health = new LocalHealth(2);
    expect(health.multiplier).toBe(1);
    health.worse();
    health.worse();
    health.worse();
    expect(health.multiplier).toBe(3);
    health.better();
    expect(health.multiplier).toBe(2);
    health.better();
    health.better();
    expect(health.multiplier).toBe(1);
  });
});
