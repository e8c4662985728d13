// One Spec per type: how the property tests build values of it.
import { type Crdt, Flag, GCounter, LWWRegister, MVRegister, ORMap, ORSet, PNCounter, type Scalar } from "@tsakt/crdt";
import fc from "fast-check";
import { named, type Spec } from "./simulation.js";

const amount = fc.oneof(fc.integer({ min: 0, max: 1000 }), fc.bigInt({ min: 0n, max: 1n << 58n }));
const element = fc.constantFrom("x", "y", "z", "", "ü");

/** Register values of every kind, with a few collisions so equal values and ties occur. */
export const scalar: fc.Arbitrary<Scalar> = fc.oneof(
  fc.constantFrom("a", "b"),
  fc.string({ maxLength: 4 }),
  fc.double(),
  fc.boolean(),
  fc.bigInt({ min: -(1n << 63n), max: (1n << 63n) - 1n }),
  fc.uint8Array({ maxLength: 4 }),
);

export const gCounter: Spec<GCounter> = {
  name: "GCounter",
  empty: GCounter.empty,
  update: amount.map((n) => named(`increment(${n})`, (c: GCounter, node) => c.increment(node, n))),
};

export const pnCounter: Spec<PNCounter> = {
  name: "PNCounter",
  empty: PNCounter.empty,
  update: fc.oneof(
    amount.map((n) => named(`increment(${n})`, (c: PNCounter, node) => c.increment(node, n))),
    amount.map((n) => named(`decrement(${n})`, (c: PNCounter, node) => c.decrement(node, n))),
    fc.integer({ min: -50, max: 50 }).map((n) => named(`increment(${n})`, (c: PNCounter, node) => c.increment(node, n))),
  ),
};

export const lwwRegister: Spec<LWWRegister> = {
  name: "LWWRegister",
  empty: () => LWWRegister.write("origin", "", 0),
  // A test clock with few distinct readings, so equal timestamps (ties broken by node id) are common.
  update: fc
    .tuple(scalar, fc.integer({ min: 0, max: 4 }))
    .map(([v, t]) => named(`set(${String(v)} @${t})`, (r: LWWRegister, node) => r.set(node, v, () => t))),
};

export const orSet: Spec<ORSet> = {
  name: "ORSet",
  empty: ORSet.empty,
  update: fc.oneof(
    { weight: 3, arbitrary: element.map((e) => named(`add(${e})`, (s: ORSet, node) => s.add(node, e))) },
    { weight: 2, arbitrary: element.map((e) => named(`remove(${e})`, (s: ORSet) => s.remove(e))) },
    { weight: 1, arbitrary: fc.constant(named("clear()", (s: ORSet) => s.clear())) },
  ),
};

export const flag: Spec<Flag> = {
  name: "Flag",
  empty: Flag.empty,
  update: fc.oneof(fc.constant(named("enable()", (f: Flag) => f.enable())), fc.constant(named("nothing", (f: Flag) => f))),
};

export const mvRegister: Spec<MVRegister> = {
  name: "MVRegister",
  empty: MVRegister.empty,
  update: fc.oneof(
    { weight: 4, arbitrary: scalar.map((v) => named(`set(${String(v)})`, (r: MVRegister, node) => r.set(node, v))) },
    { weight: 1, arbitrary: fc.constant(named("clear()", (r: MVRegister) => r.clear())) },
  ),
};

/** Keys decide the nested type, so a key never holds two types: c* counters, s* sets, f a flag, m a nested map. */
export const orMap: Spec<ORMap> = {
  name: "ORMap",
  empty: ORMap.empty,
  update: fc.oneof(
    fc
      .tuple(fc.constantFrom("c1", "c2"), fc.integer({ min: -5, max: 5 }))
      .map(([k, n]) => named(`update(${k}, +${n})`, (m: ORMap, node) => m.update(node, k, PNCounter.empty(), (c) => c.increment(node, n)))),
    fc
      .tuple(fc.constantFrom("s"), element)
      .map(([k, e]) => named(`update(${k}, add ${e})`, (m: ORMap, node) => m.update(node, k, ORSet.empty(), (s) => s.add(node, e)))),
    fc
      .tuple(fc.constantFrom("s"), element)
      .map(([k, e]) => named(`update(${k}, remove ${e})`, (m: ORMap, node) => m.update(node, k, ORSet.empty(), (s) => s.remove(e)))),
    fc.constant(named("update(f, enable)", (m: ORMap, node) => m.update(node, "f", Flag.empty(), (f) => f.enable()))),
    fc
      .integer({ min: 0, max: 3 })
      .map((n) =>
        named(`update(m.g, +${n})`, (m: ORMap, node) =>
          m.update(node, "m", ORMap.empty(), (inner) => inner.update(node, "g", GCounter.empty(), (g) => g.increment(node, n))),
        ),
      ),
    fc
      .tuple(fc.constantFrom("c1", "c2"), fc.integer({ min: 0, max: 5 }))
      .map(([k, n]) => named(`put(${k}, ${n})`, (m: ORMap, node) => m.put(node, k, PNCounter.empty().increment(node, n)))),
    fc.constantFrom("c1", "c2", "s", "f", "m").map((k) => named(`remove(${k})`, (m: ORMap) => m.remove(k))),
    fc.constant(named("clear()", (m: ORMap) => m.clear())),
  ),
};

/** Every type's spec, for tests that run on all of them. */
export const allSpecs: readonly Spec<Crdt>[] = [
  gCounter,
  pnCounter,
  lwwRegister,
  orSet,
  orMap,
  flag,
  mvRegister,
] as unknown as Spec<Crdt>[];
