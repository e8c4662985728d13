import { create, isMessage } from "@bufbuild/protobuf";
import { ActorSystem, silentLogger } from "@tsakt/actor";
import { type PlacedActor, PlacedActorSchema, type RelocationFailed, RelocationFailedSchema } from "@tsakt/cluster";
import { KindNotRegisteredError } from "@tsakt/remote";
import { TestClock } from "@tsakt/testkit";
import { afterEach, describe, expect, it } from "vitest";
import { type RegistryEntry, RegistryEntrySchema } from "../src/gen/tsakt/cluster/v1/cluster_pb.js";
import type { ClusterMember } from "../src/member.js";
import { type RelocationHost, Relocator } from "../src/placement/relocation.js";

const systems: ActorSystem[] = [];

afterEach(async () => {
  await Promise.all(systems.splice(0).map((s) => s.stop()));
});

/** A system on a TestClock, and the RelocationFailed events it publishes. */
async function relocationSystem() {
  const clock = new TestClock();
  const system = await ActorSystem.start({ name: "relocation", logger: silentLogger, clock });
  systems.push(system);
  const failures: RelocationFailed[] = [];
  system.eventStream.subscribe((e) => {
    if (isMessage(e, RelocationFailedSchema)) failures.push(e);
  });
  return { clock, system, failures };
}

/** A relocator of a run that is over (its cluster not running) on a live system, and the failures it published. */
async function staleRun(successor: RelocationHost["successor"]) {
  const { clock, system, failures } = await relocationSystem();
  const relocator = new Relocator({
    system,
    clock,
    isRunning: () => false,
    successor,
    leader: () => undefined,
    members: () => [],
    choose: () => Promise.reject(new Error("an old run must not choose a member")),
    place: () => Promise.reject(new Error("an old run must not place an actor")),
    forget: () => Promise.reject(new Error("an old run must not remove an entry")),
    current: () => Promise.reject(new Error("an old run must not read the registry")),
  });
  return { clock, relocator, failures };
}

describe("relocation across runs of a node", () => {
  const entry = create(RegistryEntrySchema, { key: "actor/orders", kind: "orders", owner: "n3" });
  const placed = create(PlacedActorSchema, { relocatable: true, placement: "round-robin" });

  it("hands an unfinished relocation to the node's new run once that runs (the owner-lost report came only once)", async () => {
    const handed: Array<[RegistryEntry, PlacedActor]> = [];
    let next: ReturnType<RelocationHost["successor"]>;
    const { clock, relocator, failures } = await staleRun(() => next);
    const done = relocator.relocate(entry, placed);
    // Between runs (downed, not rejoined yet) it keeps trying, one RelocationFailed per attempt.
    for (let i = 0; i < 3; i++) await clock.advance(clock.nextDue() === undefined ? 0 : (clock.nextDue() as number) - clock.now());
    expect(failures.length).toBeGreaterThanOrEqual(2);
    expect(failures[0]?.reason).toMatch(/not running/);
    next = {
      relocateEntry: async (e, p) => {
        handed.push([e, p]);
      },
    };
    await clock.advance(5000);
    await done;
    expect(handed).toEqual([[entry, placed]]);
    const attempts = failures.length;
    await clock.advance(60_000);
    expect(failures.length).toBe(attempts);
  });

  it("gives up when the actor system stops (nothing left to relocate on)", async () => {
    const { relocator, clock } = await staleRun(() => undefined);
    const done = relocator.relocate(entry, placed);
    await clock.advance(0);
    await systems[0]?.stop();
    await clock.advance(10_000);
    await expect(done).resolves.toBeUndefined();
  });

  it("gives up when no member registers the kind, removing the entry that stayed for it; one run per key", async () => {
    const { clock, system, failures } = await relocationSystem();
    const member = (name: string) => ({ name, host: "127.0.0.1", port: 1, roles: [] as string[] }) as unknown as ClusterMember;
    const members = [member("n1"), member("n2")];
    const forgotten: RegistryEntry[] = [];
    let places = 0;
    const relocator = new Relocator({
      system,
      clock,
      isRunning: () => true,
      successor: () => undefined,
      leader: () => undefined,
      members: () => members,
      // Each member in turn, skipping those that lack the kind.
      choose: async (_s, _r, _w, lacking) => members.find((m) => !lacking.has(m.name)) as ClusterMember,
      place: async (_n, kind, _p, target) => {
        places++;
        throw new KindNotRegisteredError(kind, target.name);
      },
      forget: async (e) => {
        forgotten.push(e);
      },
      current: async () => entry,
    });
    const first = relocator.relocate(entry, placed);
    // A second report of the same key (a new primary) joins the relocation under way.
    const second = relocator.relocate(entry, placed);
    for (let i = 0; i < 5 && forgotten.length === 0; i++) await clock.advance(1000);
    await Promise.all([first, second]);
    expect(places).toBe(2);
    expect(failures.map((f) => f.nextAttemptInMs)).toEqual([100, 0]);
    expect(forgotten).toEqual([entry]);
  });
});
