import { create, isMessage } from "@bufbuild/protobuf";
import { ActorSystem, silentLogger } from "@tsakt/actor";
import { type PlacedActor, PlacedActorSchema, type RelocationFailed, RelocationFailedSchema } from "@tsakt/cluster";
import { TestClock } from "@tsakt/testkit";
import { afterEach, describe, expect, it } from "vitest";
import { type RegistryEntry, RegistryEntrySchema } from "../src/gen/tsakt/cluster/v1/cluster_pb.js";
import { type RelocationHost, Relocator } from "../src/placement/relocation.js";

const systems: ActorSystem[] = [];

afterEach(async () => {
  await Promise.all(systems.splice(0).map((s) => s.stop()));
});

/** A relocator of a run that is over (its cluster not running) on a live system, and the failures it published. */
async function staleRun(successor: RelocationHost["successor"]) {
  const clock = new TestClock();
  const system = await ActorSystem.start({ name: "relocation", logger: silentLogger, clock });
  systems.push(system);
  const failures: RelocationFailed[] = [];
  system.eventStream.subscribe((e) => {
    if (isMessage(e, RelocationFailedSchema)) failures.push(e);
  });
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
});
