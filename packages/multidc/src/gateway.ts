import { create, isMessage } from "@bufbuild/protobuf";
import { ActorNotFoundError, type ActorSystem, type PID, type Plugin, type ReceiveContext, TsaktError } from "@tsakt/actor";
import { pluginOf } from "@tsakt/actor/internal";
import { clusterOf } from "@tsakt/cluster";
import { remoteOf } from "@tsakt/remote";
import { DatacenterUnavailableError } from "./errors.js";
import {
  DrainSchema,
  GrainLookupSchema,
  LookupSchema,
  RefusedSchema,
  type Resolved,
  ResolvedSchema,
  SpawnSchema,
} from "./gen/tsakt/multidc/v1/multidc_pb.js";
import { type Heartbeat, writerOf } from "./heartbeat.js";
import type { Relays } from "./relay.js";
import type { DatacenterInfo, DatacenterView } from "./view.js";

/** Name of the gateway system actor on every node: /system/multidc. */
export const gatewayName = "multidc";

/** What the gateway actor needs from its plugin. */
export interface GatewayContext {
  readonly system: ActorSystem;
  readonly datacenter: string;
  readonly view: DatacenterView;
  readonly heartbeat: Heartbeat;
  readonly relays: Relays;
}

/**
 * The gateway actor: answers other datacenters' lookups and spawns from this node's cluster (with the actor's own
 * address, or with a relay's on this node for gateway routing), relays to grains, and drains on the leader.
 */
export function gatewayActor(g: GatewayContext) {
  return {
    receive(ctx: ReceiveContext): void {
      const m = ctx.message;
      const sender = ctx.sender;
      let work: Promise<unknown>;
      if (isMessage(m, LookupSchema)) work = lookupHere(g, m.name, m.relay);
      else if (isMessage(m, SpawnSchema)) work = spawnHere(g, m.name, m.kind, m.relay);
      else if (isMessage(m, GrainLookupSchema)) work = grainHere(g, m.kind, m.id);
      else if (isMessage(m, DrainSchema)) work = drainHere(g, m.drainMs);
      else return ctx.unhandled();
      // Lookups can wait for a relocation; answering later keeps the gateway free for other callers meanwhile.
      void work.then(
        (reply) => sender?.tell(reply),
        (error: unknown) => sender?.tell(refused(error)),
      );
    },
  };
}

async function lookupHere(g: GatewayContext, name: string, relay: boolean): Promise<unknown> {
  const pid = await g.system.actorOf(name);
  if (!relay) return resolved(g.system, pid);
  return create(ResolvedSchema, { address: await g.relays.addressOf(`actor:${name}`, () => g.system.actorOf(name)) });
}

async function spawnHere(g: GatewayContext, name: string, kind: string, relay: boolean): Promise<unknown> {
  const state = g.view.get(g.datacenter)?.state;
  if (state === "DRAINING" || state === "INACTIVE")
    throw new DatacenterUnavailableError(g.datacenter, state === "DRAINING" ? "draining" : "inactive");
  const pid = await clusterOf(g.system).spawnOn(name, kind);
  if (!relay) return resolved(g.system, pid);
  return create(ResolvedSchema, { address: await g.relays.addressOf(`actor:${name}`, () => g.system.actorOf(name)) });
}

/** The grains plugin as the gateway uses it (not imported: @tsakt/grains is needed only where grains run). */
interface GrainsLike extends Plugin {
  of(kind: string, id: string): PID;
  kinds(): string[];
}

async function grainHere(g: GatewayContext, kind: string, id: string): Promise<unknown> {
  const grains = pluginOf<GrainsLike>(g.system, "grains", "a grain call from another datacenter", "@tsakt/grains");
  if (!grains.kinds().includes(kind))
    throw new TsaktError("UnknownGrainKind", `no grain kind "${kind}" is registered in this datacenter's clusterGrains({ kinds })`);
  const ref = grains.of(kind, id);
  return create(ResolvedSchema, { address: await g.relays.addressOf(`grain:${kind}/${id}`, () => ref) });
}

async function drainHere(g: GatewayContext, drainMs: number): Promise<unknown> {
  if (writerOf(g.system)?.uid !== clusterOf(g.system).self.uid)
    return create(RefusedSchema, { code: "NotLeader", message: "this node does not write the datacenter's record" });
  await g.heartbeat.drain(drainMs);
  return create(ResolvedSchema, { address: "" });
}

/** The full remote address of `pid` as other nodes reach it. */
function resolved(system: ActorSystem, pid: PID): unknown {
  const address = pid.address.includes("@") ? pid.address : `${remoteOf(system).address}${pid.path}`;
  return create(ResolvedSchema, { address });
}

function refused(error: unknown): unknown {
  const code = error instanceof TsaktError ? error.code : "GatewayFailed";
  return create(RefusedSchema, { code, message: error instanceof Error ? error.message : String(error) });
}

/** The gateway actor of the node at `endpoint` ("host:port") of `dc`. */
export function gatewayOf(system: ActorSystem, dc: Pick<DatacenterInfo, "system">, endpoint: string): PID {
  return remoteOf(system).pidOf(`tsakt://${dc.system}@${endpoint}/system/${gatewayName}`);
}

/**
 * Asks the gateways of `dc` in turn (from a random one, those in `avoid` last) until one answers; a refusal is final
 * and becomes its typed error; no answer from any becomes DatacenterUnavailableError("unreachable").
 */
export async function askGateways(
  system: ActorSystem,
  dc: DatacenterInfo,
  message: unknown,
  timeoutMs: number,
  avoid: ReadonlySet<string> = new Set(),
): Promise<Resolved & { endpoint: string }> {
  const start = Math.floor(Math.random() * dc.endpoints.length);
  const rotated = dc.endpoints.map((_, i) => dc.endpoints[(start + i) % dc.endpoints.length] as string);
  const endpoints = [...rotated.filter((e) => !avoid.has(e)), ...rotated.filter((e) => avoid.has(e))];
  let last: unknown;
  for (const endpoint of endpoints) {
    let reply: unknown;
    try {
      reply = await gatewayOf(system, dc, endpoint).ask(message, { timeoutMs });
    } catch (error) {
      last = error;
      continue;
    }
    if (isMessage(reply, ResolvedSchema)) return { ...reply, endpoint };
    if (isMessage(reply, RefusedSchema)) throw refusalError(dc.name, reply.code, reply.message, message);
    last = new TsaktError("GatewayFailed", `gateway ${endpoint} of datacenter "${dc.name}" answered with an unexpected message`);
  }
  throw new DatacenterUnavailableError(dc.name, "unreachable", { cause: last });
}

function refusalError(datacenter: string, code: string, text: string, message: unknown): Error {
  if (code === "ActorNotFound" && isMessage(message, LookupSchema))
    return new ActorNotFoundError(`${message.name} (in datacenter "${datacenter}")`);
  if (code === "DatacenterUnavailable")
    return new DatacenterUnavailableError(datacenter, text.includes("(draining)") ? "draining" : "inactive");
  return new TsaktError(code, `datacenter "${datacenter}" refused: ${text}`);
}
