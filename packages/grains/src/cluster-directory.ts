import { InvalidOptionError } from "@tsakt/actor";
import { type Cluster, type ClusterMember, RegistryUnavailableError } from "@tsakt/cluster";
import type { GrainDirectory } from "./directory.js";
import type { GrainIdentity } from "./identity.js";

/** Prefix of the grains' keys in the cluster registry: "grain/<kind>/<id>". */
export const grainKeyPrefix = "grain/";

/** Tries of one claim when the registered owner turns out to be dead (its stale entry is removed, then claimed again). */
const claimAttempts = 3;

/** The registry key of a grain identity, "grain/<kind>/<id>". */
export function grainRegistryKey(identity: GrainIdentity): string {
  return `${grainKeyPrefix}${identity.kind}/${identity.id}`;
}

/**
 * A GrainDirectory on the cluster's replicated registry: a claim is a put-if-absent of "grain/<kind>/<id>" at the
 * key's primary, so exactly one node in the cluster owns each identity. Entries of a node that dies or leaves are
 * removed by the registry (owner-lost); a claim that still finds an owner this node knows is gone removes that stale
 * entry and claims again, while an owner it has not met yet keeps its entry. Nodes are named by their address ("tsakt://system@host:port").
 */
export class ClusterGrainDirectory implements GrainDirectory {
  readonly name = "cluster";

  constructor(private readonly cluster: Cluster) {}

  async lookup(identity: GrainIdentity): Promise<string | undefined> {
    const entry = await this.cluster.registry.get(grainRegistryKey(identity));
    if (entry === undefined) return undefined;
    return this.liveOwner(entry.owner, entry.ownerUid)?.address;
  }

  async claim(identity: GrainIdentity, node: string): Promise<string> {
    const member = this.memberAt(node);
    if (member === undefined) throw new InvalidOptionError("node", `${JSON.stringify(node)} is not the address of a live cluster member`);
    const key = grainRegistryKey(identity);
    const registry = this.cluster.registry;
    for (let attempt = 1; ; attempt++) {
      const { entry } = await registry.putIfAbsent(key, { kind: "grain", owner: member.name });
      const owner = this.liveOwner(entry.owner, entry.ownerUid);
      if (owner !== undefined) return owner.address;
      // An owner this node has not met yet (it joined or rejoined a moment ago and knows part of the cluster) may well
      // be alive and running the activation: its entry stays, and this claim fails (the call may be retried).
      if (attempt === claimAttempts || !registry.ownerGone(entry))
        throw new RegistryUnavailableError(
          key,
          "claim",
          new Error(`registered to ${entry.owner}, which this node does not know as a live member`),
        );
      // Declared dead (or replaced by a later run) here, but the registry has not dropped its entry yet.
      await registry.remove(key, { owner: entry.owner });
    }
  }

  async release(identity: GrainIdentity, node: string): Promise<boolean> {
    // A stopped cluster announced its leave; the registry drops the entries of departed members itself.
    if (!this.cluster.isRunning) return false;
    const member = this.memberAt(node);
    if (member === undefined) return false;
    return this.cluster.registry.remove(grainRegistryKey(identity), { owner: member.name });
  }

  private memberAt(address: string): ClusterMember | undefined {
    const self = this.cluster.self;
    if (self.address === address) return self;
    return this.cluster.members().find((m) => m.address === address);
  }

  private liveOwner(name: string, uid: string): ClusterMember | undefined {
    const member = this.cluster.member(name);
    return member !== undefined && (uid === "" || member.uid === uid) ? member : undefined;
  }
}
