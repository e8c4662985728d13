import { hashString } from "../hash.js";

/**
 * A consistent-hash ring: every member owns `virtualNodes` points placed by hashing its name, and a key belongs to
 * the member owning the first point at or after the key's hash. Points depend only on member names, so adding or
 * removing one member moves only the keys next to its points.
 */
export class HashRing<T> {
  private points = new Uint32Array(0);
  private owners: T[] = [];

  constructor(private readonly virtualNodes: number) {}

  /** Rebuilds the ring for `members`, each placed by `nameOf(member)`; called on membership changes only. */
  rebuild(members: readonly T[], nameOf: (member: T) => string): void {
    const count = members.length * this.virtualNodes;
    const hashes = new Uint32Array(count);
    const order = new Uint32Array(count);
    for (let m = 0; m < members.length; m++) {
      const name = nameOf(members[m] as T);
      for (let v = 0; v < this.virtualNodes; v++) {
        const i = m * this.virtualNodes + v;
        hashes[i] = hashString(`${name}#${v}`);
        order[i] = i;
      }
    }
    // Ties (two points with one hash) are broken by index so the ring does not depend on sort stability.
    order.sort((a, b) => (hashes[a] as number) - (hashes[b] as number) || a - b);
    this.points = new Uint32Array(count);
    this.owners = new Array<T>(count);
    for (let i = 0; i < count; i++) {
      const at = order[i] as number;
      this.points[i] = hashes[at] as number;
      this.owners[i] = members[Math.floor(at / this.virtualNodes)] as T;
    }
  }

  /** The member owning `key`, or undefined when the ring is empty; allocates nothing. */
  lookup(key: string): T | undefined {
    const points = this.points;
    const n = points.length;
    if (n === 0) return undefined;
    const h = hashString(key);
    let lo = 0;
    let hi = n;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((points[mid] as number) < h) lo = mid + 1;
      else hi = mid;
    }
    return this.owners[lo === n ? 0 : lo];
  }
}
