import { create, toBinary } from "@bufbuild/protobuf";
import { silentLogger } from "@tsakt/actor";
import { systemClock } from "@tsakt/actor/internal";
import { afterEach, describe, expect, it } from "vitest";
import { type Member, MemberSchema, type MemberState, MemberStateSchema, MemberStatus } from "../src/gen/tsakt/cluster/v1/cluster_pb.js";
import { GossipQueue } from "../src/gossip-queue.js";
import { Membership, maxIncarnationStep, type UpdateSource } from "../src/membership.js";

function member(name: string, uid = `${name}-1`, startedAtMs = 1000): Member {
  return create(MemberSchema, { name, host: "127.0.0.1", port: name.charCodeAt(0), system: "sys", uid, startedAtMs });
}

function state(m: Member, status: MemberStatus, incarnation = 0): MemberState {
  return create(MemberStateSchema, { member: m, status, incarnation });
}

const alive = (m: Member, incarnation = 0) => state(m, MemberStatus.ALIVE, incarnation);
const hearsay = (from: Member): UpdateSource => ({ from, direct: false });
const direct = (from: Member): UpdateSource => ({ from, direct: true });

const self = member("a");
const b = member("b");
const c = member("c");
let membership: Membership;
let events: string[];

function start(): Membership {
  events = [];
  membership = new Membership(
    self,
    { clock: systemClock, suspicionTimeoutMs: 60_000, deadMemberTtlMs: 60_000 },
    new GossipQueue(512, 8, 2),
    {
      joined: (s) => events.push(`joined ${s.member?.name}`),
      left: (s) => events.push(`left ${s.member?.name}`),
      refuted: (s) => events.push(`refuted ${s.incarnation}`),
      reachabilityChanged: () => {},
      downed: () => events.push("downed"),
      unverified: (m) => events.push(`verify ${m.name}/${m.uid}`),
    },
    silentLogger,
  );
  // b and c are members this node met in person.
  membership.applyAll([alive(b)], direct(b));
  membership.applyAll([alive(c)], direct(c));
  events = [];
  return membership;
}

const statusOf = (name: string) => membership.get(name)?.status;

afterEach(() => membership?.stop());

describe("who may change the membership", () => {
  it("a sender that is not a live member changes nothing, whatever it claims", () => {
    start();
    const stranger = member("s");
    const impostorRun = member("b", "b-forged");
    for (const from of [stranger, impostorRun])
      membership.applyAll(
        [state(b, MemberStatus.DOWN), state(c, MemberStatus.DEAD, 5), alive(member("x")), state(self, MemberStatus.SUSPECT, 0)],
        hearsay(from),
      );
    expect([statusOf("b"), statusOf("c"), statusOf("x"), statusOf("a")]).toEqual([
      MemberStatus.ALIVE,
      MemberStatus.ALIVE,
      undefined,
      MemberStatus.ALIVE,
    ]);
    expect(events).toEqual([]);
  });

  it("a new member joins on its own word in a direct exchange; a member's hearsay of it only makes this node ask", () => {
    start();
    const x = member("x");
    membership.applyAll([alive(x)], hearsay(b));
    expect(statusOf("x")).toBeUndefined();
    expect(events).toEqual(["verify x/x-1"]);
    // What x says of others in its answer is hearsay from a member it just met: a phantom it names is not taken.
    membership.applyAll([alive(x), alive(member("phantom"))], direct(x));
    expect(statusOf("x")).toBe(MemberStatus.ALIVE);
    expect(statusOf("phantom")).toBeUndefined();
    expect(events).toEqual(["verify x/x-1", "joined x", "verify phantom/phantom-1"]);
  });

  it("a later run replaces a live member only on its own word", () => {
    start();
    const b2 = member("b", "b-2", 2000);
    membership.applyAll([alive(b2)], hearsay(c));
    expect(membership.get("b")?.member?.uid).toBe("b-1");
    expect(events).toEqual(["verify b/b-2"]);
    // Not a later run and not its own word: nothing at all.
    membership.applyAll([state(member("b", "b-0", 500), MemberStatus.LEFT, 9)], hearsay(c));
    expect(events).toEqual(["verify b/b-2"]);
    membership.applyAll([alive(b2)], direct(b2));
    expect(membership.get("b")?.member?.uid).toBe("b-2");
    expect(membership.isGone("b", "b-1", 1000)).toBe(true);
  });

  it(`hearsay raises a member's incarnation by at most ${maxIncarnationStep} at once; the member itself may set any`, () => {
    start();
    membership.applyAll([state(c, MemberStatus.SUSPECT, 4_000_000_000), alive(c, 1_000_000)], hearsay(b));
    expect(membership.get("c")).toMatchObject({ status: MemberStatus.ALIVE, incarnation: 0 });
    expect(events).toEqual(["verify c/c-1", "verify c/c-1"]);
    membership.applyAll([state(c, MemberStatus.DEAD, maxIncarnationStep)], hearsay(b));
    // A death claim from elsewhere is a suspicion, within the step.
    expect(membership.get("c")).toMatchObject({ status: MemberStatus.SUSPECT, incarnation: maxIncarnationStep });
    membership.applyAll([alive(c, 1_000_000)], direct(c));
    expect(membership.get("c")).toMatchObject({ status: MemberStatus.ALIVE, incarnation: 1_000_000 });
  });

  it("this node refutes a suspicion of itself, and its incarnation stays a uint32 even at the top", () => {
    start();
    membership.applyAll([state(self, MemberStatus.SUSPECT, 3)], hearsay(b));
    expect(membership.self.incarnation).toBe(4);
    membership.applyAll([state(self, MemberStatus.SUSPECT, 0xffffffff)], hearsay(b));
    expect(membership.self.incarnation).toBe(0xffffffff);
    expect(() => toBinary(MemberStateSchema, membership.self)).not.toThrow();
    expect(events).toEqual(["refuted 4", `refuted ${0xffffffff}`]);
  });

  it("a downing decision counts from a live member (it is final), never from a stranger", () => {
    start();
    membership.applyAll([state(c, MemberStatus.DOWN, 0), state(self, MemberStatus.DOWN, 0)], hearsay(member("s")));
    expect(statusOf("c")).toBe(MemberStatus.ALIVE);
    expect(events).toEqual([]);
    membership.applyAll([state(c, MemberStatus.DOWN, 0)], hearsay(b));
    expect(statusOf("c")).toBe(MemberStatus.DOWN);
    membership.applyAll([alive(c, 5)], direct(c));
    expect(statusOf("c")).toBe(MemberStatus.DOWN);
    expect(events).toEqual(["left c"]);
  });
});
