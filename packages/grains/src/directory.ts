import { InvalidOptionError } from "@tsakt/actor";
import { type GrainIdentity, grainKey } from "./identity.js";

/**
 * Records which node holds the activation of each grain identity: the seam a cluster-wide directory plugs into.
 * Nodes are named by their address prefix ("tsakt://name" or "tsakt://name@host:port"). Calls for one identity
 * are made one at a time by a node; different nodes may call concurrently, so claim must be put-if-absent.
 */
export interface GrainDirectory {
  /** Short name for logs, for example "in-memory". */
  readonly name: string;
  /** The node that owns `identity`, or undefined when none does. */
  lookup(identity: GrainIdentity): Promise<string | undefined>;
  /** Makes `node` the owner unless another node already is; resolves with the owner after the call (`node` when it won). */
  claim(identity: GrainIdentity, node: string): Promise<string>;
  /** Forgets the owner if it is `node`; resolves true when a record was removed. */
  release(identity: GrainIdentity, node: string): Promise<boolean>;
}

/** A GrainDirectory in process memory: exact for one node, and for several systems of one process that share it. */
export class InMemoryGrainDirectory implements GrainDirectory {
  readonly name = "in-memory";
  private readonly owners = new Map<string, string>();

  /** Number of identities that have an owner. */
  get size(): number {
    return this.owners.size;
  }

  async lookup(identity: GrainIdentity): Promise<string | undefined> {
    return this.owners.get(keyOf(identity));
  }

  async claim(identity: GrainIdentity, node: string): Promise<string> {
    return this.claimKey(keyOf(identity), node);
  }

  /**
   * @internal claim without the promise, by the identity's key (`grainKey`, which the runtime has already, so the
   * table keeps that string instead of a copy): the grains runtime calls it when nothing else of the identity waits.
   */
  claimKey(key: string, node: string): string {
    validateNode(node);
    const owner = this.owners.get(key);
    if (owner !== undefined) return owner;
    this.owners.set(key, node);
    return node;
  }

  async release(identity: GrainIdentity, node: string): Promise<boolean> {
    const key = keyOf(identity);
    validateNode(node);
    if (this.owners.get(key) !== node) return false;
    this.owners.delete(key);
    return true;
  }
}

function keyOf(identity: GrainIdentity): string {
  const i = identity as Partial<GrainIdentity> | null | undefined;
  if (typeof i !== "object" || i === null || typeof i.kind !== "string" || typeof i.id !== "string")
    throw new InvalidOptionError("identity", "must be an object { kind, id } of strings");
  return grainKey(i.kind, i.id);
}

function validateNode(node: unknown): asserts node is string {
  if (typeof node !== "string" || node.length === 0)
    throw new InvalidOptionError("node", 'must be a non-empty node address such as "tsakt://shop"');
}
