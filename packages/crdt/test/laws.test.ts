import { type Crdt, encodeReplicatedValue, isDeltaCrdt, mergeCrdt } from "@tsakt/crdt";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { run, steps } from "./simulation.js";
import { allSpecs } from "./specs.js";

const RUNS = 300;

/** Equal state and, because the encoding is canonical, equal bytes. */
function expectSame(actual: Crdt, expected: Crdt, what: string): void {
  expect(mergeCrdt(actual, actual).type, what).toBe(expected.type);
  expect((actual.equals as (o: Crdt) => boolean)(expected), `${what}: ${actual} vs ${expected}`).toBe(true);
  expect(encodeReplicatedValue("", actual), what).toEqual(encodeReplicatedValue("", expected));
}

describe.each(allSpecs.map((spec) => [spec.name, spec] as const))("%s", (_name, spec) => {
  it("merges commutatively, associatively and idempotently", () => {
    fc.assert(
      fc.property(steps(spec), (history) => {
        const [x, y, z] = run(spec, history).states as [Crdt, Crdt, Crdt];
        expectSame(mergeCrdt(x, y), mergeCrdt(y, x), "x ⊔ y = y ⊔ x");
        expectSame(mergeCrdt(mergeCrdt(x, y), z), mergeCrdt(x, mergeCrdt(y, z)), "(x ⊔ y) ⊔ z = x ⊔ (y ⊔ z)");
        expectSame(mergeCrdt(x, x), x, "x ⊔ x = x");
        expectSame(mergeCrdt(mergeCrdt(x, y), y), mergeCrdt(x, y), "(x ⊔ y) ⊔ y = x ⊔ y");
      }),
      { numRuns: RUNS },
    );
  });

  it("converges: replicas that exchanged everything hold equal values, whatever the order", () => {
    fc.assert(
      fc.property(steps(spec), (history) => {
        const [x, y, z] = run(spec, history).states as [Crdt, Crdt, Crdt];
        const all = mergeCrdt(mergeCrdt(x, y), z);
        expectSame(mergeCrdt(mergeCrdt(z, x), y), all, "z ⊔ x ⊔ y");
        expectSame(mergeCrdt(mergeCrdt(y, z), x), all, "y ⊔ z ⊔ x");
      }),
      { numRuns: RUNS },
    );
  });
});

// LWWRegister and Flag have no deltas: their full state is as small as one.
const deltaSpecs = allSpecs.filter((spec) => isDeltaCrdt(spec.empty()));

describe.each(deltaSpecs.map((spec) => [spec.name, spec] as const))("%s deltas", (_name, spec) => {
  it("builds each update's delta so that merged deltas equal full-state merges", () => {
    fc.assert(
      fc.property(steps(spec), fc.integer({ min: 0, max: 2 }), (history, other) => {
        const { states, bases } = run(spec, history);
        for (const [i, state] of states.entries()) {
          if (!isDeltaCrdt(state)) throw new Error("expected a delta type");
          const base = bases[i] as Crdt;
          const delta = state.delta;
          // The value a replica keeps equals the value it had at its last reset with every delta since merged in.
          expectSame(delta === undefined ? base : mergeCrdt(base, delta), state, "base ⊔ delta = state");
          if (delta === undefined) continue;
          // A replica that has what the sender had at its last reset gets the same from the delta as from the state.
          const receiver = mergeCrdt(states[other] as Crdt, base);
          expectSame(mergeCrdt(receiver, delta), mergeCrdt(receiver, state), "r ⊔ delta = r ⊔ state");
          // Deltas are values too: merging a delta twice, or before anything else, changes nothing more.
          expectSame(mergeCrdt(mergeCrdt(receiver, delta), delta), mergeCrdt(receiver, state), "r ⊔ delta ⊔ delta");
          expectSame(mergeCrdt(mergeCrdt(delta, receiver), state), mergeCrdt(receiver, state), "delta ⊔ r ⊔ state");
        }
      }),
      { numRuns: RUNS },
    );
  });

  it("keeps a replica's pending delta through merges and drops it on resetDelta", () => {
    fc.assert(
      fc.property(steps(spec), (history) => {
        const [x, y] = run(spec, history).states as [Crdt, Crdt];
        if (!isDeltaCrdt(x)) throw new Error("expected a delta type");
        const merged = mergeCrdt(x, y);
        if (!isDeltaCrdt(merged)) throw new Error("merge changed the type");
        if (x.delta === undefined) expect(merged.delta).toBeUndefined();
        else expectSame(merged.delta as Crdt, x.delta, "merge keeps the delta");
        expect(merged.resetDelta().delta).toBeUndefined();
      }),
      { numRuns: 100 },
    );
  });

  it("reaches the same value from one replica's deltas merged in any order, some twice", () => {
    fc.assert(
      fc.property(
        fc
          .array(spec.update, { minLength: 1, maxLength: 15 })
          .chain((updates) =>
            fc.tuple(fc.constant(updates), fc.shuffledSubarray([...updates.keys(), ...updates.keys()], { minLength: 2 * updates.length })),
          ),
        ([updates, order]) => {
          let state = spec.empty();
          const deltas: Crdt[] = [];
          for (const update of updates) {
            state = update(state, "node-a");
            if (!isDeltaCrdt(state)) throw new Error("expected a delta type");
            deltas.push((state.delta ?? spec.empty()) as Crdt);
            state = state.resetDelta() as typeof state;
          }
          let receiver: Crdt = spec.empty();
          for (const i of order) receiver = mergeCrdt(receiver, deltas[i] as Crdt);
          expectSame(receiver, state, "deltas in any order");
        },
      ),
      { numRuns: RUNS },
    );
  });
});
