import type { TopicInterest } from "./gen/tsakt/pubsub/v1/cluster_pb.js";

interface NodeInterest {
  readonly uid: string;
  readonly version: number;
  readonly topics: readonly string[];
}

const none: readonly string[] = Object.freeze([]);

/**
 * Which other nodes have subscribers of which topic, from their TopicInterest snapshots. The topic index is rebuilt
 * per topic on change (copy-on-write), so a publish reads a ready array and allocates nothing.
 */
export class InterestTable {
  private readonly byNode = new Map<string, NodeInterest>();
  private readonly byTopic = new Map<string, readonly string[]>();

  /** Applies a node's snapshot unless an equal or newer one of the same run is held; true when it was applied. */
  apply(snapshot: TopicInterest): boolean {
    const held = this.byNode.get(snapshot.node);
    if (held !== undefined && held.uid === snapshot.uid && held.version >= snapshot.version) return false;
    this.setTopics(snapshot.node, held?.topics ?? none, snapshot.topics);
    this.byNode.set(snapshot.node, { uid: snapshot.uid, version: snapshot.version, topics: [...snapshot.topics] });
    return true;
  }

  /** Forgets `node`'s interest when it belongs to the run `uid` (a later run's interest stays). */
  forget(node: string, uid: string): void {
    const held = this.byNode.get(node);
    if (held === undefined || held.uid !== uid) return;
    this.setTopics(node, held.topics, none);
    this.byNode.delete(node);
  }

  /** Names of the nodes with subscribers of `topic`; do not mutate. */
  nodesOf(topic: string): readonly string[] {
    return this.byTopic.get(topic) ?? none;
  }

  private setTopics(node: string, before: readonly string[], after: readonly string[]): void {
    const kept = new Set(after);
    for (const topic of before) if (!kept.has(topic)) this.update(topic, node, false);
    const had = new Set(before);
    for (const topic of after) if (!had.has(topic)) this.update(topic, node, true);
  }

  private update(topic: string, node: string, add: boolean): void {
    const nodes = this.byTopic.get(topic) ?? none;
    const next = add ? (nodes.includes(node) ? nodes : [...nodes, node]) : nodes.filter((n) => n !== node);
    if (next.length === 0) this.byTopic.delete(topic);
    else this.byTopic.set(topic, next);
  }
}
