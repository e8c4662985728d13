import { ActorSystem, type ActorSystemOptions, type Logger, silentLogger } from "@tsakt/actor";
import { type RemotingOptions, remoting } from "@tsakt/remote";
import { capturingLogger } from "@tsakt/testkit";
import { afterEach } from "vitest";
import { testRegistry } from "./schemas.js";

const started: ActorSystem[] = [];

afterEach(async () => {
  await Promise.all(started.splice(0).map((s) => s.stop()));
});

/** A logger that keeps entries, so tests can check what was logged. */
export const recordingLogger = capturingLogger;

/** Starts an in-process node on 127.0.0.1 with the test schemas and JSON (and `system`'s options, such as a clock); stopped after the test. */
export async function startNode(
  options: RemotingOptions = {},
  name = "local",
  logger: Logger = silentLogger,
  system: Omit<ActorSystemOptions, "name" | "logger" | "plugins"> = {},
): Promise<ActorSystem> {
  const node = await ActorSystem.start({
    ...system,
    name,
    logger,
    plugins: [remoting({ host: "127.0.0.1", types: [testRegistry()], json: true, ...options })],
  });
  started.push(node);
  return node;
}
