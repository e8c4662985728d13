// A random history of three replicas of one type: each step is an update on one replica, a full-state merge or a
// delta shipped from one replica to another, or a replica shipping and resetting its delta. Values produced this way
// are reachable states (every dot minted once, by its own node), which is what the laws are about.
import { type Crdt, isDeltaCrdt, mergeCrdt } from "@tsakt/crdt";
import fc from "fast-check";

export const NODES = ["node-a", "node-b", "node-c"] as const;

/** How one type is exercised: its starting value and the updates a replica may make. */
export interface Spec<T extends Crdt> {
  readonly name: string;
  readonly empty: () => T;
  readonly update: fc.Arbitrary<Update<T>>;
}

/** An update a replica applies to its value; `node` is that replica's id. */
export type Update<T> = ((value: T, node: string) => T) & { toString(): string };

/** One step of a history. */
export type Step<T> =
  | { readonly kind: "update"; readonly at: number; readonly update: Update<T> }
  | { readonly kind: "merge"; readonly at: number; readonly from: number }
  | { readonly kind: "ship-delta"; readonly at: number; readonly from: number }
  | { readonly kind: "reset"; readonly at: number };

/** Steps of a history for `spec`: mostly updates, with merges, shipped deltas and resets between them. */
export function steps<T extends Crdt>(spec: Spec<T>, maxLength = 30): fc.Arbitrary<Step<T>[]> {
  const replica = fc.integer({ min: 0, max: NODES.length - 1 });
  const step: fc.Arbitrary<Step<T>> = fc.oneof(
    { weight: 5, arbitrary: fc.record({ kind: fc.constant("update" as const), at: replica, update: spec.update }) },
    { weight: 2, arbitrary: fc.record({ kind: fc.constant("merge" as const), at: replica, from: replica }) },
    { weight: 2, arbitrary: fc.record({ kind: fc.constant("ship-delta" as const), at: replica, from: replica }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant("reset" as const), at: replica }) },
  );
  return fc.array(step, { maxLength });
}

/** Where a history left each replica. */
export interface Outcome<T extends Crdt> {
  /** Each replica's value, with its pending delta. */
  readonly states: T[];
  /** Each replica's value at its last reset, with every merge it received since: state = base ⊔ delta. */
  readonly bases: T[];
}

/** Replays a history. */
export function run<T extends Crdt>(spec: Spec<T>, history: readonly Step<T>[]): Outcome<T> {
  const states = NODES.map(() => spec.empty());
  const bases = NODES.map(() => spec.empty());
  for (const s of history) {
    const here = states[s.at] as T;
    switch (s.kind) {
      case "update":
        states[s.at] = s.update(here, NODES[s.at] as string);
        break;
      case "merge": {
        const there = states[s.from] as T;
        states[s.at] = mergeCrdt(here, there);
        bases[s.at] = mergeCrdt(bases[s.at] as T, there);
        break;
      }
      case "ship-delta": {
        const there = states[s.from] as T;
        const delta = isDeltaCrdt(there) ? there.delta : there;
        if (delta === undefined) break;
        states[s.at] = mergeCrdt(here, delta);
        bases[s.at] = mergeCrdt(bases[s.at] as T, delta);
        break;
      }
      case "reset":
        states[s.at] = isDeltaCrdt(here) ? (here.resetDelta() as T) : here;
        bases[s.at] = states[s.at] as T;
        break;
    }
  }
  return { states, bases };
}

/** `fn` with a readable name for fast-check's counterexamples. */
export function named<T>(label: string, fn: (value: T, node: string) => T): Update<T> {
  return Object.assign(fn, { toString: () => label });
}
