import type { GatewayMembers } from "./gen/tsakt/client/v1/gateway_pb.js";
import { NodeState } from "./node-state.js";

/** Most process runs remembered as gone, oldest forgotten first. */
const maxGone = 4096;

/** What applying a gateway's view changed. */
export interface ViewChanges {
  /** Members to contact: new ones, and new process runs of known ones. */
  readonly contact: NodeState[];
  /** Members that just became down. */
  readonly down: NodeState[];
}

/**
 * The members the client knows, merged from the views the gateways push. A process run (uid) reported gone by any
 * gateway is down for good: the cluster's failure detector declared it dead or it left, and the client never sends
 * to it again. A new run of the same name (a restart) is a new member to contact.
 */
export class ClientMembership {
  readonly nodes = new Map<string, NodeState>();
  private readonly gone = new Set<string>();
  private readonly versions = new Map<string, bigint>();

  constructor(private readonly system: string) {}

  /** The member `name` ("host:port"), added as "connecting" when unknown. */
  ensure(name: string): { node: NodeState; added: boolean } {
    const known = this.nodes.get(name);
    if (known !== undefined) return { node: known, added: false };
    const node = new NodeState(name, `tsakt://${this.system}@${name}`);
    this.nodes.set(name, node);
    return { node, added: true };
  }

  /** True when the run `uid` was reported gone. */
  isGone(uid: string): boolean {
    return uid !== "" && this.gone.has(uid);
  }

  /** Merges one gateway's view; older views of the same sender are ignored. */
  apply(view: GatewayMembers, now: number): ViewChanges {
    const contact: NodeState[] = [];
    const down: NodeState[] = [];
    const last = this.versions.get(view.from);
    if (last !== undefined && view.version <= last) return { contact, down };
    this.versions.set(view.from, view.version);
    for (const m of view.gone) {
      this.remember(m.uid);
      const node = this.nodes.get(m.name);
      // A node known only from seeds or discovery (no uid yet) that a gateway reports gone is that run.
      if (node !== undefined && node.status !== "down" && (node.uid === m.uid || node.uid === "")) {
        if (node.uid === "") node.uid = m.uid;
        this.markDown(node, now);
        down.push(node);
      }
    }
    for (const m of view.members) {
      if (this.gone.has(m.uid)) continue;
      const { node, added } = this.ensure(m.name);
      node.roles = Object.freeze([...m.roles]);
      if (added) {
        node.uid = m.uid;
        contact.push(node);
      } else if (node.uid !== m.uid && node.uid !== "") {
        // The same address, a new process run: everything known about the old run is over.
        node.uid = m.uid;
        node.status = "connecting";
        node.downAtMs = undefined;
        node.cancelRetry();
        contact.push(node);
      } else if (node.uid === "") node.uid = m.uid;
    }
    return { contact, down };
  }

  /** Marks `node` down: no more calls and no more contact attempts for this run. */
  markDown(node: NodeState, now: number): void {
    node.status = "down";
    node.downAtMs = now;
    node.load = undefined;
    node.cancelRetry();
  }

  /** The members that are up, sorted by name. */
  up(): NodeState[] {
    const up: NodeState[] = [];
    for (const node of this.nodes.values()) if (node.status === "up") up.push(node);
    return up.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  private remember(uid: string): void {
    if (uid === "" || this.gone.has(uid)) return;
    this.gone.add(uid);
    if (this.gone.size > maxGone) this.gone.delete(this.gone.values().next().value as string);
  }
}
