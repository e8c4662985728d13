// Passing a pino logger to the actor system: TsAkt's Logger has pino's shape, so it fits as is.
// Run it and pipe through `pino-pretty` for readable output; each line is one JSON log entry.
import { ActorSystem, type Logger } from "@tsakt/actor";
import { pino } from "pino";

// Typed as TsAkt's Logger: pino has every method it names, fatal and child included.
const logger: Logger = pino({ level: process.env.LOG_LEVEL ?? "info", base: { app: "logging-pino" } });

await using system = await ActorSystem.start({ name: "logging", logger });
const worker = await system.spawnFunc(
  "worker",
  (ctx) => {
    if (ctx.message === "fail") throw new Error("simulated failure");
    if (ctx.message === "hello") {
      ctx.logger.info({ actor: ctx.self.path }, "hello handled");
      ctx.respond("hi");
    }
  },
  { supervisor: { directive: "resume" } },
);
await worker.ask("hello");
worker.tell("fail");
await worker.ask("hello");
// A child logger adds its bindings to every line; pino's own child is used as is.
system.logger.child({ phase: "shutdown" }).info("done");
