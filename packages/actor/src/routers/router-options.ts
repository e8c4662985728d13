import type { Registry } from "@bufbuild/protobuf";
import type { ActorFactory } from "../actor.js";
import { InvalidOptionError } from "../errors.js";
import type { SpawnOptions } from "../spawn-options.js";
import { validateSharedRouterOptions } from "./routing.js";

/** How a router picks the routee(s) of a message. */
export type RoutingStrategy = "round-robin" | "random" | "broadcast" | "consistent-hash" | "scatter-gather-first" | "tail-chopping";

/** What happens to a routee that throws: the directive of its supervisor ("stop" also removes it from the pool). */
export type RouteeFailure = "restart" | "resume" | "stop";

/** Most routees a pool router holds; a larger AdjustPoolSize is capped to it. */
export const maxPoolSize = 10_000;

/** Options of a pool router made by `router(options)`. */
export interface RouterOptions {
  /** How messages are spread over the routees. */
  strategy: RoutingStrategy;
  /** Routees spawned when the router starts, from 1 to maxPoolSize (10000); AdjustPoolSize changes it later. */
  poolSize: number;
  /** Makes a routee; called once per routee and again on every routee restart. */
  routee: ActorFactory;
  /** Spawn options of every routee (mailbox, supervisor rules, …); routeeFailure sets the supervisor's directive. Default: none. */
  routeeOptions?: SpawnOptions;
  /** Directive for a failing routee. Default: "restart". */
  routeeFailure?: RouteeFailure;
  /** consistent-hash only, required: the key of a message; messages with the same key go to the same routee. */
  hashKey?: (message: unknown) => string;
  /** consistent-hash only: points per routee on the hash ring; more spreads keys more evenly. Default: 100. */
  virtualNodes?: number;
  /** scatter-gather-first and tail-chopping, required: how long the first reply may take before the sender gets AskTimeoutError. */
  withinMs?: number;
  /** tail-chopping, required: delay before the next routee is also asked; must be below withinMs. */
  intervalMs?: number;
  /** Unpacks Broadcast payloads that arrived over the network (local ones need none). Default: none. */
  registry?: Registry;
}

const strategies: ReadonlySet<string> = new Set([
  "round-robin",
  "random",
  "broadcast",
  "consistent-hash",
  "scatter-gather-first",
  "tail-chopping",
]);
const failures: ReadonlySet<string> = new Set(["restart", "resume", "stop"]);
const known: ReadonlySet<string> = new Set([
  "strategy",
  "poolSize",
  "routee",
  "routeeOptions",
  "routeeFailure",
  "hashKey",
  "virtualNodes",
  "withinMs",
  "intervalMs",
  "registry",
]);
/** Options that only mean something for some strategies; giving them elsewhere is most likely a mistake. */
const onlyFor: Readonly<Record<string, readonly RoutingStrategy[]>> = {
  withinMs: ["scatter-gather-first", "tail-chopping"],
  intervalMs: ["tail-chopping"],
};

/** Throws InvalidOptionError naming the field when `options` cannot make a router. */
export function validateRouterOptions(options: unknown): asserts options is RouterOptions {
  if (typeof options !== "object" || options === null)
    throw new InvalidOptionError("options", "must be an object { strategy, poolSize, routee, … }");
  const o = options as Record<string, unknown>;
  for (const key of Object.keys(o))
    if (!known.has(key)) throw new InvalidOptionError(key, `is not a router option (known: ${[...known].join(", ")})`);
  if (typeof o.strategy !== "string" || !strategies.has(o.strategy))
    throw new InvalidOptionError("strategy", `must be one of ${[...strategies].join(", ")}; got ${JSON.stringify(o.strategy)}`);
  const strategy = o.strategy as RoutingStrategy;
  if (!isWhole(o.poolSize) || (o.poolSize as number) < 1 || (o.poolSize as number) > maxPoolSize)
    throw new InvalidOptionError("poolSize", `must be a whole number from 1 to ${maxPoolSize}, got ${String(o.poolSize)}`);
  if (typeof o.routee !== "function") throw new InvalidOptionError("routee", "must be a function returning a fresh actor");
  if (o.routeeOptions !== undefined && (typeof o.routeeOptions !== "object" || o.routeeOptions === null))
    throw new InvalidOptionError("routeeOptions", "must be spawn options (an object)");
  if (o.routeeFailure !== undefined && !failures.has(o.routeeFailure as string))
    throw new InvalidOptionError("routeeFailure", `must be "restart", "resume" or "stop", got ${JSON.stringify(o.routeeFailure)}`);
  for (const [field, strategiesOfField] of Object.entries(onlyFor))
    if (o[field] !== undefined && !strategiesOfField.includes(strategy))
      throw new InvalidOptionError(field, `applies only to strategy ${strategiesOfField.join(" or ")}, not ${strategy}`);
  validateSharedRouterOptions(o, strategy);
  if (strategy === "scatter-gather-first" || strategy === "tail-chopping") {
    if (!isPositive(o.withinMs))
      throw new InvalidOptionError(
        "withinMs",
        `must be a positive number of milliseconds for strategy ${strategy}, got ${String(o.withinMs)}`,
      );
  }
  if (strategy === "tail-chopping") {
    if (!isPositive(o.intervalMs))
      throw new InvalidOptionError("intervalMs", `must be a positive number of milliseconds, got ${String(o.intervalMs)}`);
    if ((o.intervalMs as number) >= (o.withinMs as number))
      throw new InvalidOptionError("intervalMs", `must be below withinMs (${String(o.withinMs)}), got ${String(o.intervalMs)}`);
  }
}

function isWhole(value: unknown): boolean {
  return typeof value === "number" && Number.isInteger(value);
}

function isPositive(value: unknown): boolean {
  return typeof value === "number" && Number.isFinite(value) && value > 0;
}
