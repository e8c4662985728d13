import { formatGoDuration } from "../go-duration.js";
import type { CatalogService, FakeConsulCheck, FakeConsulNode, FakeConsulService, Indexed } from "./consul-model.js";

const ipv4 = /^\d{1,3}(\.\d{1,3}){3}$/;

/** A check in the JSON shape of Consul's structs.HealthCheck; an agent-local check has no Raft indexes (0). */
export function checkJson(
  check: Omit<FakeConsulCheck, "criticalSince"> & Partial<Indexed>,
  node: FakeConsulNode,
  service: FakeConsulService | undefined,
): Record<string, unknown> {
  return {
    Node: node.name,
    CheckID: check.checkId,
    Name: check.name,
    Status: check.status,
    Notes: check.notes,
    Output: check.output,
    ServiceID: check.serviceId,
    ServiceName: check.serviceName,
    ServiceTags: service?.tags ?? [],
    Type: check.ttlMs > 0 ? "ttl" : "",
    Interval: "",
    Timeout: "",
    ExposedPort: 0,
    Definition:
      check.deregisterCriticalAfterMs === undefined
        ? {}
        : { DeregisterCriticalServiceAfter: formatGoDuration(check.deregisterCriticalAfterMs) },
    CreateIndex: check.createIndex ?? 0,
    ModifyIndex: check.modifyIndex ?? 0,
  };
}

function serviceTaggedAddresses(service: FakeConsulService): Record<string, unknown> {
  // Consul adds the ipv4 tagged addresses itself when a service registers with an IPv4 address.
  if (!ipv4.test(service.address)) return {};
  const tagged = { Address: service.address, Port: service.port };
  return { lan_ipv4: tagged, wan_ipv4: tagged };
}

/** The catalog node in the JSON shape of a health entry's `Node`. */
export function nodeJson(node: FakeConsulNode): Record<string, unknown> {
  return {
    ID: node.id,
    Node: node.name,
    Address: node.address,
    Datacenter: node.datacenter,
    TaggedAddresses: { lan: node.address, lan_ipv4: node.address, wan: node.address, wan_ipv4: node.address },
    Meta: { "consul-network-segment": "" },
    CreateIndex: node.createIndex,
    ModifyIndex: node.modifyIndex,
  };
}

/** A service in the JSON shape of a health entry's `Service`. */
export function serviceJson(service: CatalogService): Record<string, unknown> {
  return {
    ID: service.id,
    Service: service.name,
    Tags: service.tags,
    Address: service.address,
    TaggedAddresses: serviceTaggedAddresses(service),
    Meta: service.meta,
    Port: service.port,
    Weights: { Passing: 1, Warning: 1 },
    EnableTagOverride: false,
    Proxy: { Mode: "", MeshGateway: {}, Expose: {} },
    Connect: {},
    PeerName: "",
    CreateIndex: service.createIndex,
    ModifyIndex: service.modifyIndex,
  };
}

/** A service in the JSON shape of GET /v1/agent/services values. */
export function agentServiceJson(service: FakeConsulService, datacenter: string): Record<string, unknown> {
  return {
    ID: service.id,
    Service: service.name,
    Tags: service.tags,
    Meta: service.meta,
    Port: service.port,
    Address: service.address,
    TaggedAddresses: serviceTaggedAddresses(service),
    Weights: { Passing: 1, Warning: 1 },
    EnableTagOverride: false,
    Datacenter: datacenter,
  };
}
