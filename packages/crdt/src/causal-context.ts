/** One event of one replica: the `counter`-th update that `node` made (counters start at 1). */
export interface Dot {
  readonly node: string;
  readonly counter: number;
}

/**
 * The set of events a value has seen, kept compact: a version vector (every event 1..n of a node) plus the events
 * seen out of order (the dot cloud), which fold into the vector as the gaps fill. A delta's context holds exactly the
 * events it covers (mostly cloud), a full state's context is usually a plain version vector.
 *
 * Always compacted: no cloud dot is at or below, or directly after, its node's version, so equal sets of events have
 * equal representations.
 */
export class CausalContext {
  private static readonly emptyContext = new CausalContext(new Map(), new Map());

  private constructor(
    private readonly versions: ReadonlyMap<string, number>,
    private readonly cloud: ReadonlyMap<string, ReadonlySet<number>>,
  ) {}

  /** The context that has seen nothing. */
  static empty(): CausalContext {
    return CausalContext.emptyContext;
  }

  /** A context of exactly these events. */
  static of(dots: Iterable<Dot>): CausalContext {
    return CausalContext.build(new Map(), new Map(), dots);
  }

  /** A context from a version vector and cloud dots (copied, then compacted). */
  static from(versions: Iterable<readonly [string, number]>, cloud: Iterable<Dot>): CausalContext {
    const v = new Map<string, number>();
    for (const [node, counter] of versions) if (counter > (v.get(node) ?? 0)) v.set(node, counter);
    return CausalContext.build(v, new Map(), cloud);
  }

  /** Adds `dots` to maps the caller owns, compacts them and wraps them. */
  private static build(versions: Map<string, number>, cloud: Map<string, Set<number>>, dots: Iterable<Dot>): CausalContext {
    for (const { node, counter } of dots) {
      if (counter <= (versions.get(node) ?? 0)) continue;
      let set = cloud.get(node);
      if (set === undefined) cloud.set(node, (set = new Set()));
      set.add(counter);
    }
    for (const [node, set] of cloud) {
      let top = versions.get(node) ?? 0;
      while (set.delete(top + 1)) top++;
      if (top > 0) versions.set(node, top);
      for (const c of set) if (c <= top) set.delete(c);
      if (set.size === 0) cloud.delete(node);
    }
    if (versions.size === 0 && cloud.size === 0) return CausalContext.emptyContext;
    return new CausalContext(versions, cloud);
  }

  /** True when the event is in this context. */
  contains(node: string, counter: number): boolean {
    return counter <= (this.versions.get(node) ?? 0) || (this.cloud.get(node)?.has(counter) ?? false);
  }

  /** The highest counter of `node` seen; the node's next event is one more. */
  max(node: string): number {
    let top = this.versions.get(node) ?? 0;
    const set = this.cloud.get(node);
    if (set !== undefined) for (const c of set) if (c > top) top = c;
    return top;
  }

  /** True when nothing has been seen. */
  get isEmpty(): boolean {
    return this.versions.size === 0 && this.cloud.size === 0;
  }

  /** This context plus `dots`. */
  with(dots: Iterable<Dot>): CausalContext {
    return CausalContext.build(new Map(this.versions), this.copyCloud(), dots);
  }

  /** Every event seen by either context. */
  union(other: CausalContext): CausalContext {
    if (other === this || other.isEmpty) return this;
    if (this.isEmpty) return other;
    const versions = new Map(this.versions);
    for (const [node, counter] of other.versions) if (counter > (versions.get(node) ?? 0)) versions.set(node, counter);
    return CausalContext.build(versions, this.copyCloud(), other.cloudDots());
  }

  /** The version vector: node → every event 1..counter seen. */
  versionEntries(): IterableIterator<[string, number]> {
    return this.versions.entries();
  }

  /** The events seen beyond the version vector. */
  *cloudDots(): IterableIterator<Dot> {
    for (const [node, set] of this.cloud) for (const counter of set) yield { node, counter };
  }

  /** Every node named in this context. */
  nodes(): IterableIterator<string> {
    return new Set([...this.versions.keys(), ...this.cloud.keys()]).values();
  }

  /** True when both contexts hold the same events. */
  equals(other: CausalContext): boolean {
    if (other === this) return true;
    if (other.versions.size !== this.versions.size || other.cloud.size !== this.cloud.size) return false;
    for (const [node, counter] of this.versions) if (other.versions.get(node) !== counter) return false;
    for (const [node, set] of this.cloud) {
      const theirs = other.cloud.get(node);
      if (theirs === undefined || theirs.size !== set.size) return false;
      for (const c of set) if (!theirs.has(c)) return false;
    }
    return true;
  }

  private copyCloud(): Map<string, Set<number>> {
    const copy = new Map<string, Set<number>>();
    for (const [node, set] of this.cloud) copy.set(node, new Set(set));
    return copy;
  }
}
