import { randomBytes } from "node:crypto";
import { afterEach, describe, expect, it } from "vitest";
import type { DiscoveryNode, DiscoveryProvider } from "./provider.js";

/** What a provider's test file hands to `runDiscoveryConformance`: how to build providers and how the backend behaves. */
export interface ConformanceHarness {
  /** Makes a fresh provider for one node. `nodes` lists every node this test will register (static-style providers use it; dynamic ones ignore it). */
  create(ctx: { nodes: DiscoveryNode[] }): DiscoveryProvider | Promise<DiscoveryProvider>;
  /** Option sets that must be rejected; each names the field the InvalidConfigError must carry. */
  invalidConfigs?: Array<{ field: string; create(): unknown }>;
  /** Restarts the backend's server where the backend allows it; the suite then checks providers recover. */
  restartBackend?(): Promise<void>;
  /** False for providers whose peer list is fixed by config (static): the suite then checks configured peers instead of dynamic visibility. Default: true. */
  dynamic?: boolean;
  /** How long the suite waits for a change to become visible. Default: 5000. */
  settleMs?: number;
}

/** Registers vitest tests (describe/it/expect from "vitest") that check a provider against the DiscoveryProvider contract. */
export function runDiscoveryConformance(name: string, harness: ConformanceHarness): void {
  const settleMs = harness.settleMs ?? 5000;
  const dynamic = harness.dynamic ?? true;
  // Each test waits for at most a few settle periods; the margin covers slow backends on a busy CI machine.
  const timeout = settleMs * 4 + 15_000;

  describe(`${name} discovery conformance`, () => {
    const opened: DiscoveryProvider[] = [];

    // Closing here rather than in each test means a failed assertion never leaks sockets or timers into the next test.
    afterEach(
      async () => {
        const providers = opened.splice(0);
        const results = await Promise.allSettled(providers.map((p) => withDeadline(p.close(), settleMs + 5000, "close()")));
        const failures = results.flatMap((r) => (r.status === "rejected" ? [r.reason as unknown] : []));
        if (failures.length > 0) throw new AggregateError(failures, `close() failed for ${failures.length} provider(s)`);
      },
      settleMs * 2 + 15_000,
    );

    async function open(nodes: DiscoveryNode[]): Promise<DiscoveryProvider> {
      const provider = await harness.create({ nodes: nodes.map(copyNode) });
      opened.push(provider);
      return provider;
    }

    async function openAll(nodes: DiscoveryNode[]): Promise<DiscoveryProvider[]> {
      const providers: DiscoveryProvider[] = [];
      for (const node of nodes) {
        const provider = await open(nodes);
        await provider.register(copyNode(node));
        providers.push(provider);
      }
      return providers;
    }

    function waitFor(what: string, provider: DiscoveryProvider, done: (peers: DiscoveryNode[]) => boolean): Promise<DiscoveryNode[]> {
      return eventually(what, () => provider.discoverPeers(), done, settleMs);
    }

    it("has a non-empty id", { timeout }, async () => {
      const [node] = makeNodes(1);
      const provider = await open([node!]);
      expect(typeof provider.id).toBe("string");
      expect(provider.id.length).toBeGreaterThan(0);
    });

    if (dynamic) {
      it("makes a registered node visible to every other node", { timeout }, async () => {
        const nodes = makeNodes(3);
        const providers = await openAll(nodes);
        for (const [i, provider] of providers.entries()) {
          const self = nodes[i]!;
          const others = nodes.filter((n) => n.name !== self.name);
          const peers = await waitFor(`${self.name} to see ${names(others).join(", ")}`, provider, (peers) => includesAll(peers, others));
          for (const other of others)
            expectSameNode(
              peers.find((p) => p.name === other.name),
              other,
            );
          expect(duplicates(peers)).toEqual([]);
        }
      });

      it("never lists the registered node among its own peers", { timeout }, async () => {
        const nodes = makeNodes(2);
        const providers = await openAll(nodes);
        for (const [i, provider] of providers.entries()) {
          const self = nodes[i]!;
          const other = nodes[1 - i]!;
          const peers = await waitFor(`${self.name} to see ${other.name}`, provider, (peers) => includesAll(peers, [other]));
          expect(names(peers)).not.toContain(self.name);
        }
      });

      it("removes a deregistered node from the other nodes' view", { timeout }, async () => {
        const nodes = makeNodes(2);
        const [a, b] = await openAll(nodes);
        await waitFor(`${nodes[0]!.name} to see ${nodes[1]!.name}`, a!, (peers) => includesAll(peers, [nodes[1]!]));
        await b!.deregister();
        const peers = await waitFor(
          `${nodes[1]!.name} to disappear from ${nodes[0]!.name}'s view`,
          a!,
          (peers) => !names(peers).includes(nodes[1]!.name),
        );
        expect(names(peers)).not.toContain(nodes[1]!.name);
      });

      it("keeps a deregistered provider usable for discoverPeers", { timeout }, async () => {
        const nodes = makeNodes(2);
        const [, b] = await openAll(nodes);
        await b!.deregister();
        const peers = await waitFor(`${nodes[1]!.name} (deregistered) to still see ${nodes[0]!.name}`, b!, (peers) =>
          includesAll(peers, [nodes[0]!]),
        );
        expectSameNode(
          peers.find((p) => p.name === nodes[0]!.name),
          nodes[0]!,
        );
      });

      it("shows a node again after it deregisters and registers anew", { timeout }, async () => {
        const nodes = makeNodes(2);
        const [a, b] = await openAll(nodes);
        await b!.deregister();
        await waitFor(`${nodes[1]!.name} to disappear`, a!, (peers) => !names(peers).includes(nodes[1]!.name));
        await b!.register(copyNode(nodes[1]!));
        const peers = await waitFor(`${nodes[1]!.name} to reappear`, a!, (peers) => includesAll(peers, [nodes[1]!]));
        expectSameNode(
          peers.find((p) => p.name === nodes[1]!.name),
          nodes[1]!,
        );
      });
    } else {
      it("lists exactly the configured peers except the registered node", { timeout }, async () => {
        const nodes = makeNodes(3);
        const providers = await openAll(nodes);
        for (const [i, provider] of providers.entries()) {
          const self = nodes[i]!;
          const others = nodes.filter((n) => n.name !== self.name);
          const peers = await waitFor(`${self.name} to list ${names(others).join(", ")}`, provider, (peers) => includesAll(peers, others));
          expect(names(peers).sort()).toEqual(names(others).sort());
          for (const other of others)
            expect(peers.find((p) => p.name === other.name)).toMatchObject({ host: other.host, port: other.port });
        }
      });

      it("keeps listing configured peers after a peer deregisters", { timeout }, async () => {
        const nodes = makeNodes(2);
        const [a, b] = await openAll(nodes);
        await b!.deregister();
        const fromA = await a!.discoverPeers();
        expect(names(fromA)).toEqual([nodes[1]!.name]);
        const fromB = await b!.discoverPeers();
        expect(names(fromB)).toContain(nodes[0]!.name);
      });
    }

    it("accepts deregister before register or rejects it with NotRegisteredError", { timeout }, async () => {
      const [node] = makeNodes(1);
      const provider = await open([node!]);
      const outcome = await provider.deregister().then(
        () => "resolved",
        (error: unknown) => errorCode(error),
      );
      expect(["resolved", "NotRegistered"]).toContain(outcome);
    });

    it("rejects a node with an invalid port or an empty name with InvalidConfigError", { timeout }, async () => {
      const [node, other] = makeNodes(2);
      const provider = await open([node!, other!]);
      const badPort = await captureRejection(() => provider.register({ ...copyNode(node!), port: 0 }));
      expect(errorCode(badPort)).toBe("InvalidConfig");
      expect(fieldOf(badPort)).toMatch(/port$/);
      const badName = await captureRejection(() => provider.register({ ...copyNode(node!), name: "" }));
      expect(errorCode(badName)).toBe("InvalidConfig");
      expect(fieldOf(badName)).toMatch(/name$/);
    });

    it("closes a provider that never registered", { timeout }, async () => {
      const [node] = makeNodes(1);
      const provider = await open([node!]);
      await expect(provider.close()).resolves.toBeUndefined();
    });

    it("closes idempotently, also when close() calls overlap", { timeout }, async () => {
      const nodes = makeNodes(1);
      const [provider] = await openAll(nodes);
      await Promise.all([provider!.close(), provider!.close()]);
      await expect(provider!.close()).resolves.toBeUndefined();
    });

    it("rejects register, discoverPeers and deregister after close with ProviderClosedError", { timeout }, async () => {
      const nodes = makeNodes(2);
      const [provider] = await openAll(nodes.slice(0, 1));
      await provider!.close();
      const operations: Array<[string, () => Promise<unknown>]> = [
        ["register", () => provider!.register(copyNode(nodes[1]!))],
        ["discoverPeers", () => provider!.discoverPeers()],
        ["deregister", () => provider!.deregister()],
      ];
      for (const [operation, run] of operations) {
        const error = await captureRejection(run);
        expect({ operation, code: errorCode(error), name: errorName(error) }).toEqual({
          operation,
          code: "ProviderClosed",
          name: "ProviderClosedError",
        });
      }
    });

    for (const [index, invalid] of (harness.invalidConfigs ?? []).entries()) {
      it(`rejects invalid config #${index + 1} with InvalidConfigError naming "${invalid.field}"`, { timeout }, async () => {
        const error = await invalidConfigError(invalid.create, opened);
        expect({ code: errorCode(error), name: errorName(error), field: fieldOf(error) }).toEqual({
          code: "InvalidConfig",
          name: "InvalidConfigError",
          field: invalid.field,
        });
      });
    }

    const restartBackend = harness.restartBackend?.bind(harness);
    if (restartBackend) {
      it("recovers after the backend restarts: registered nodes reappear and new ones show up", { timeout: timeout * 2 }, async () => {
        const nodes = makeNodes(3);
        const [a, b] = await openAll(nodes.slice(0, 2));
        const expectations: Array<[DiscoveryProvider, DiscoveryNode]> = dynamic
          ? [
              [a!, nodes[1]!],
              [b!, nodes[0]!],
            ]
          : [[a!, nodes[1]!]];
        for (const [provider, peer] of expectations)
          await waitFor(`${peer.name} to be visible before the restart`, provider, (peers) => includesAll(peers, [peer]));
        await restartBackend();
        for (const [provider, peer] of expectations)
          await waitFor(`${peer.name} to be visible again after the restart`, provider, (peers) => includesAll(peers, [peer]));
        const late = await open(nodes);
        await late.register(copyNode(nodes[2]!));
        if (dynamic)
          await waitFor(`${nodes[2]!.name}, registered after the restart, to be visible`, a!, (peers) => includesAll(peers, [nodes[2]!]));
        else await waitFor(`${nodes[2]!.name} to stay listed after the restart`, a!, (peers) => includesAll(peers, [nodes[2]!]));
      });
    }
  });
}

/** Builds `count` nodes with names unique to this run, so leftovers of another test or run never match. */
function makeNodes(count: number): DiscoveryNode[] {
  const run = randomBytes(4).toString("hex");
  const basePort = 20_000 + Math.floor(Math.random() * 40_000);
  return Array.from({ length: count }, (_, i) => ({
    name: `conf-${run}-${String.fromCharCode(97 + i)}`,
    host: "127.0.0.1",
    port: basePort + i,
    roles: ["conformance"],
    meta: { index: String(i) },
  }));
}

function copyNode(node: DiscoveryNode): DiscoveryNode {
  const copy: DiscoveryNode = { name: node.name, host: node.host, port: node.port };
  if (node.roles) copy.roles = [...node.roles];
  if (node.meta) copy.meta = { ...node.meta };
  return copy;
}

function names(nodes: DiscoveryNode[]): string[] {
  return nodes.map((n) => n.name);
}

function includesAll(peers: DiscoveryNode[], expected: DiscoveryNode[]): boolean {
  const seen = new Set(names(peers));
  return expected.every((n) => seen.has(n.name));
}

function duplicates(peers: DiscoveryNode[]): string[] {
  const seen = new Set<string>();
  return names(peers).filter((n) => (seen.has(n) ? true : (seen.add(n), false)));
}

/** Address must match exactly; roles and meta are optional for a backend to carry, but if carried they must be right. */
function expectSameNode(actual: DiscoveryNode | undefined, expected: DiscoveryNode): void {
  expect(actual, `peer ${expected.name}`).toBeDefined();
  expect({ name: actual!.name, host: actual!.host, port: actual!.port }).toEqual({
    name: expected.name,
    host: expected.host,
    port: expected.port,
  });
  if (actual!.roles !== undefined) expect(actual!.roles).toEqual(expected.roles);
  if (actual!.meta !== undefined) expect(actual!.meta).toEqual(expected.meta);
}

/** Validation may happen in the constructor (preferred) or, at the latest, in register(). */
async function invalidConfigError(create: () => unknown, opened: DiscoveryProvider[]): Promise<unknown> {
  let made: unknown;
  try {
    made = await create();
  } catch (error) {
    return error;
  }
  if (!isProvider(made)) throw new Error("invalid config was accepted: create() returned without throwing");
  opened.push(made);
  const [node] = makeNodes(1);
  return captureRejection(() => made.register(node!));
}

function isProvider(value: unknown): value is DiscoveryProvider {
  return (
    typeof value === "object" &&
    value !== null &&
    typeof (value as DiscoveryProvider).register === "function" &&
    typeof (value as DiscoveryProvider).close === "function"
  );
}

async function captureRejection(run: () => Promise<unknown>): Promise<unknown> {
  try {
    await run();
  } catch (error) {
    return error;
  }
  throw new Error("expected the operation to reject, but it resolved");
}

function errorCode(error: unknown): unknown {
  return typeof error === "object" && error !== null ? (error as { code?: unknown }).code : undefined;
}

function errorName(error: unknown): unknown {
  return error instanceof Error ? error.name : undefined;
}

function fieldOf(error: unknown): unknown {
  return typeof error === "object" && error !== null ? (error as { field?: unknown }).field : undefined;
}

/** Polls until `done` holds; probe errors count as "not yet" because backends may be briefly unavailable. */
async function eventually<T>(what: string, probe: () => Promise<T>, done: (value: T) => boolean, settleMs: number): Promise<T> {
  const deadline = Date.now() + settleMs;
  const interval = Math.max(10, Math.min(100, Math.floor(settleMs / 50)));
  let last = "nothing yet";
  for (;;) {
    const remaining = Math.max(1, deadline - Date.now());
    try {
      const value = await withDeadline(probe(), remaining, "discoverPeers()");
      if (done(value)) return value;
      last = JSON.stringify(value);
    } catch (error) {
      last = `error: ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}`;
    }
    if (Date.now() >= deadline) throw new Error(`timed out after ${settleMs} ms waiting for ${what}; last observed: ${last}`);
    await sleep(interval);
  }
}

function withDeadline<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not settle within ${ms} ms`)), ms);
  });
  return Promise.race([promise, expired]).finally(() => clearTimeout(timer));
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
