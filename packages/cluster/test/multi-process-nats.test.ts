import { eventually } from "@tsakt/testkit";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { freePorts, type NatsServerHandle, skipWithoutBinary, startNatsServer } from "../../../tools/test-servers/src/index.js";
import { converged, ProcessNode } from "./process-nodes.js";

describe.skipIf(skipWithoutBinary("nats-server"))("a cluster of separate OS processes (NATS discovery)", () => {
  let server: NatsServerHandle;
  const nodes: ProcessNode[] = [];

  beforeAll(async () => {
    server = await startNatsServer();
  });

  afterAll(async () => {
    await server?.stop();
  });

  afterEach(async () => {
    await Promise.all(nodes.splice(0).map((n) => n.kill()));
  });

  it("converges with three and with five nodes that find each other through nats-server", async () => {
    for (const [count, clusterName] of [
      [3, "three"],
      [5, "five"],
    ] as const) {
      const ports = await freePorts(count);
      const started = await Promise.all(
        ports.map((port) => ProcessNode.start({ port, discovery: "nats", natsUrl: server.url, natsOptions: { clusterName } })),
      );
      nodes.push(...started);
      await eventually(
        `${count} members everywhere`,
        () =>
          converged(
            started,
            started.map((n) => n.name),
          ),
        { timeoutMs: 15_000, intervalMs: 50 },
      );
      const leaders = await Promise.all(started.map((n) => n.request<string>("leader")));
      expect(new Set(leaders).size).toBe(1);
      await Promise.all(nodes.splice(0).map((n) => n.kill()));
    }
  });
});
