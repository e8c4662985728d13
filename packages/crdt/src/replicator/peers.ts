import type { PID } from "@tsakt/actor";
import type { Cluster, ClusterMember } from "@tsakt/cluster";
import type { Remote } from "@tsakt/remote";

/**
 * The other members' replicators as this node sees them: who is live (alive or suspect, as the cluster counts
 * members), in which order to ask them, and the remote PID of each one's endpoint actor.
 */
export class Peers {
  private readonly pids = new Map<string, { uid: string; pid: PID }>();

  constructor(
    private readonly cluster: Cluster,
    private readonly remote: Remote,
    private readonly actorName: string,
  ) {}

  /** This node's member name. */
  get selfName(): string {
    return this.cluster.self.name;
  }

  /** Live members, this node included; empty once the cluster stopped. */
  members(): ClusterMember[] {
    return this.cluster.isRunning ? this.cluster.members() : [];
  }

  /** Live members other than this node. */
  others(): ClusterMember[] {
    if (!this.cluster.isRunning) return [];
    const self = this.cluster.self.name;
    return this.cluster.members().filter((m) => m.name !== self);
  }

  /** The others in the order to ask them: alive ones shuffled, then suspect ones (likely to time out) shuffled. */
  ordered(): ClusterMember[] {
    const others = shuffled(this.others());
    return [...others.filter((m) => m.status === "alive"), ...others.filter((m) => m.status !== "alive")];
  }

  /** One alive member other than this node, at random; undefined when there is none. */
  random(): ClusterMember | undefined {
    const alive = this.others().filter((m) => m.status === "alive");
    return alive[Math.floor(Math.random() * alive.length)];
  }

  /** The live member named `name`, or undefined. */
  named(name: string): ClusterMember | undefined {
    return this.cluster.isRunning ? this.cluster.member(name) : undefined;
  }

  /** The PID of `member`'s replicator endpoint (cached per run of the member). */
  pid(member: ClusterMember): PID {
    const known = this.pids.get(member.name);
    if (known !== undefined && known.uid === member.uid) return known.pid;
    const pid = this.remote.pidOf(`${member.address}/system/${this.actorName}`);
    this.pids.set(member.name, { uid: member.uid, pid });
    return pid;
  }

  /** Forgets a departed member's PID. */
  forget(member: ClusterMember): void {
    if (this.pids.get(member.name)?.uid === member.uid) this.pids.delete(member.name);
  }
}

function shuffled<T>(items: T[]): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [items[i], items[j]] = [items[j] as T, items[i] as T];
  }
  return items;
}
