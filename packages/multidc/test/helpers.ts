import { create, isMessage } from "@bufbuild/protobuf";
import { type StringValue, StringValueSchema } from "@bufbuild/protobuf/wkt";
import { ActorSystem, type PID, type ReceiveContext } from "@tsakt/actor";
import { cluster, clusterOf } from "@tsakt/cluster";
import { StaticDiscoveryProvider } from "@tsakt/discovery-static";
import type { Grain, GrainReceiveContext } from "@tsakt/grains";
import { clusterGrains } from "@tsakt/grains/cluster";
import { type ControlPlane, type MultiDatacenterOptions, multiDatacenter, multiDatacenterOf } from "@tsakt/multidc";
import { remoting } from "@tsakt/remote";
import { freePorts } from "@tsakt/test-servers";
import { eventually } from "@tsakt/testkit";

/**
 * Answers a string with "<dc>:<node>:<message>", so a test sees which datacenter and node answered; "from?" with the
 * sender's address (who delivered the ask), "count?" with the number of "tick" tells so far.
 */
export function echo(dc: string, node: string) {
  return () => {
    let ticks = 0;
    return {
      receive(ctx: ReceiveContext) {
        if (ctx.message === "tick") ticks++;
        else if (ctx.message === "count?") ctx.respond(ticks);
        else if (ctx.message === "from?") ctx.respond(ctx.sender?.address ?? "");
        else if (typeof ctx.message === "string") ctx.respond(`${dc}:${node}:${ctx.message}`);
      },
    };
  };
}

/**
 * A grain that counts the StringValues it is asked and answers one with "<dc>:<id>:<count>" (messages to a grain
 * on another node must be protobuf).
 */
export function counterGrain(dc: string) {
  return (identity: { id: string }): Grain => {
    let count = 0;
    return {
      onReceive(ctx: GrainReceiveContext) {
        if (isMessage(ctx.message, StringValueSchema)) ctx.respond(create(StringValueSchema, { value: `${dc}:${identity.id}:${++count}` }));
      },
    };
  };
}

/** Asks `grain` to count once; its answer's text. */
export async function increment(grain: PID): Promise<string> {
  return (await grain.ask<StringValue>(create(StringValueSchema, { value: "inc" }), { timeoutMs: 2000 })).value;
}

/** Extra options of startDatacenter: multiDatacenter's own, and cluster roles per node index. */
export type DatacenterTestOptions = Partial<Omit<MultiDatacenterOptions, "datacenter" | "controlPlane">> & {
  labels?: Record<string, string>;
  roles?: (index: number) => string[];
};

/** Fast timings for tests: heartbeats every 100 ms, a 600 ms lease. */
export const fastDc = { heartbeatMs: 100, leaseMs: 600, requestTimeoutMs: 1000 };

/** Starts `count` nodes of datacenter `name` in this process (remoting on 127.0.0.1, static discovery), each with its own control-plane client. */
export async function startDatacenter(
  name: string,
  count: number,
  controlPlane: () => ControlPlane,
  options: DatacenterTestOptions = {},
): Promise<ActorSystem[]> {
  const { labels = { region: `r-${name}` }, roles, ...multidc } = options;
  const ports = await freePorts(count);
  const peers = ports.map((p) => `127.0.0.1:${p}`);
  const systems = await Promise.all(
    ports.map((port, index) =>
      ActorSystem.start({
        name: "multidc-test",
        plugins: [
          remoting({ host: "127.0.0.1", port, json: true, types: [StringValueSchema] }),
          cluster({
            discovery: new StaticDiscoveryProvider({ peers }),
            kinds: { echo: echo(name, `127.0.0.1:${port}`) },
            probeIntervalMs: 200,
            pingTimeoutMs: 100,
            suspicionTimeoutMs: 800,
            discoveryIntervalMs: 500,
            roles: roles?.(index) ?? [],
          }),
          clusterGrains({ kinds: { counter: { factory: counterGrain(name) } } }),
          multiDatacenter({ datacenter: { name, labels }, controlPlane: controlPlane(), ...fastDc, ...multidc }),
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
