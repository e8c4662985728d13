import { ActorSystem, type ReceiveContext } from "@tsakt/actor";
import { cluster, clusterOf } from "@tsakt/cluster";
import { StaticDiscoveryProvider } from "@tsakt/discovery-static";
import { type ControlPlane, multiDatacenter, multiDatacenterOf } from "@tsakt/multidc";
import { remoting } from "@tsakt/remote";
import { freePorts } from "@tsakt/test-servers";
import { eventually } from "@tsakt/testkit";

/** Answers a string with "<dc>:<node>:<message>", so a test sees which datacenter and node answered. */
export function echo(dc: string, node: string) {
  return () => ({
    receive(ctx: ReceiveContext) {
      if (typeof ctx.message === "string") ctx.respond(`${dc}:${node}:${ctx.message}`);
    },
  });
}

/** Fast timings for tests: heartbeats every 100 ms, a 600 ms lease. */
export const fastDc = { heartbeatMs: 100, leaseMs: 600, requestTimeoutMs: 1000 };

/** Starts `count` nodes of datacenter `name` in this process (remoting on 127.0.0.1, static discovery), each with its own control-plane client. */
export async function startDatacenter(
  name: string,
  count: number,
  controlPlane: () => ControlPlane,
  options: { drainMs?: number } = {},
): Promise<ActorSystem[]> {
  const ports = await freePorts(count);
  const peers = ports.map((p) => `127.0.0.1:${p}`);
  const systems = await Promise.all(
    ports.map((port) =>
      ActorSystem.start({
        name: "multidc-test",
        plugins: [
          remoting({ host: "127.0.0.1", port, json: true }),
          cluster({
            discovery: new StaticDiscoveryProvider({ peers }),
            kinds: { echo: echo(name, `127.0.0.1:${port}`) },
            probeIntervalMs: 200,
            pingTimeoutMs: 100,
            suspicionTimeoutMs: 800,
            discoveryIntervalMs: 500,
          }),
          multiDatacenter({ datacenter: { name, labels: { region: `r-${name}` } }, controlPlane: controlPlane(), ...fastDc, ...options }),
        ],
      }),
    ),
  );
  await eventually(`${name}: ${count} members everywhere`, () => systems.every((s) => clusterOf(s).members().length === count), {
    timeoutMs: 10_000,
  });
  return systems;
}

/** The state `system` sees for datacenter `dc`, or "unknown". */
export function stateSeen(system: ActorSystem, dc: string): string {
  return multiDatacenterOf(system).datacenterOf(dc)?.state ?? "unknown";
}
