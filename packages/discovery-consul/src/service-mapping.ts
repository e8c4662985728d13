import { type DiscoveryNode, InvalidConfigError } from "@tsakt/discovery";
import type { HealthEntry } from "./consul-calls.js";

const metaKey = /^[A-Za-z0-9_-]+$/;

/** Rejects node meta that Consul would refuse (structs.ValidateServiceMetadata), naming the offending key. */
export function validateConsulMeta(meta: Record<string, string> | undefined): void {
  if (meta === undefined) return;
  const entries = Object.entries(meta);
  if (entries.length > 64) throw new InvalidConfigError("self.meta", `has ${entries.length} keys; Consul allows at most 64`);
  for (const [key, value] of entries) {
    if (!metaKey.test(key) || key.length > 128) {
      throw new InvalidConfigError(
        "self.meta",
        `key ${JSON.stringify(key)} is not allowed by Consul: use 1-128 letters, digits, "_" or "-"`,
      );
    }
    if (key.startsWith("consul-"))
      throw new InvalidConfigError("self.meta", `key ${JSON.stringify(key)} uses the prefix "consul-", which Consul reserves`);
    if (value.length > 512)
      throw new InvalidConfigError("self.meta", `value of ${JSON.stringify(key)} is longer than Consul's 512 characters`);
  }
}

/** The agent service registration for a node: id = node name, tags = roles, meta = node meta, with a TTL check. */
export function registrationFor(
  node: DiscoveryNode,
  serviceName: string,
  ttlMs: number,
  deregisterAfterMs: number,
): Record<string, unknown> {
  return {
    name: serviceName,
    id: node.name,
    address: node.host,
    port: node.port,
    tags: node.roles ?? [],
    meta: node.meta ?? {},
    check: {
      checkid: checkIdFor(node.name),
      name: `TsAkt node ${node.name} TTL`,
      ttl: `${ttlMs}ms`,
      // Start passing so a node is discoverable as soon as register() returns.
      status: "passing",
      deregistercriticalserviceafter: `${deregisterAfterMs}ms`,
    },
  };
}

/** The id of a node's TTL check. */
export function checkIdFor(nodeName: string): string {
  return `service:${nodeName}`;
}

/** Turns health entries into nodes: sorted by name, one per name, entries without an id or port skipped. */
export function nodesFrom(entries: HealthEntry[]): DiscoveryNode[] {
  const byName = new Map<string, DiscoveryNode>();
  for (const entry of entries) {
    const service = entry.Service;
    const name = service?.ID;
    const host = service?.Address || entry.Node?.Address;
    const port = service?.Port;
    if (!name || !host || typeof port !== "number" || port < 1 || byName.has(name)) continue;
    const node: DiscoveryNode = { name, host, port };
    if (service.Tags && service.Tags.length > 0) node.roles = [...service.Tags];
    if (service.Meta && Object.keys(service.Meta).length > 0) node.meta = { ...service.Meta };
    byName.set(name, node);
  }
  return [...byName.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}
