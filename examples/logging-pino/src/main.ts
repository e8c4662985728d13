// Passing a pino logger to the actor system: TsAkt's Logger has pino's shape, so it fits as is.
// Run it and pipe through `pino-pretty` for readable output; each line is one JSON log entry.
import { ActorSystem } from "@tsakt/actor";
import { pino } from "pino";

const logger = pino({ level: process.env.LOG_LEVEL ?? "info", base: { app: "logging-pino" } });

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
logger.info("done");
