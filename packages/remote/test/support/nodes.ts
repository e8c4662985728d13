import { ActorSystem, type Logger, silentLogger } from "@tsakt/actor";
import { type RemotingOptions, remoting } from "@tsakt/remote";
import { afterEach } from "vitest";
import { testRegistry } from "./schemas.js";

const started: ActorSystem[] = [];

afterEach(async () => {
  await Promise.all(started.splice(0).map((s) => s.stop()));
});

/** A logger that keeps entries, so tests can check what was logged. */
export function recordingLogger(): Logger & { entries: Array<{ level: string; obj: Record<string, unknown>; msg: string | undefined }> } {
  const entries: Array<{ level: string; obj: Record<string, unknown>; msg: string | undefined }> = [];
  const make = (level: string) =>
    ((a: unknown, b?: string) => {
      entries.push(typeof a === "string" ? { level, obj: {}, msg: a } : { level, obj: a as Record<string, unknown>, msg: b });
    }) as Logger["info"];
  return { entries, trace: make("trace"), debug: make("debug"), info: make("info"), warn: make("warn"), error: make("error") };
}

/** Starts an in-process node on 127.0.0.1 with the test schemas and JSON; stopped after the test. */
export async function startNode(options: RemotingOptions = {}, name = "local", logger: Logger = silentLogger): Promise<ActorSystem> {
  const system = await ActorSystem.start({
    name,
    logger,
    plugins: [remoting({ host: "127.0.0.1", types: [testRegistry()], json: true, ...options })],
  });
  started.push(system);
  return system;
}
