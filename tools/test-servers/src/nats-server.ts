import { join } from "node:path";
import { requireBinary } from "./binary.js";
import { freePort } from "./free-port.js";
import { tcpGreets } from "./probes.js";
import { makeTempDir, type ServerHandle, startServer } from "./server-handle.js";

/** Options for startNatsServer. */
export interface NatsServerOptions {
  /** Enables JetStream (-js) with its store in the temp data dir. Default: false. */
  jetstream?: boolean;
  /** Extra command-line arguments passed to nats-server. Default: none. */
  args?: readonly string[];
  /** How long to wait for the server to greet clients. Default: 10000. */
  readyTimeoutMs?: number;
}

/** A running nats-server on 127.0.0.1. */
export interface NatsServerHandle extends ServerHandle {
  /** Client URL, for example "nats://127.0.0.1:41234". */
  readonly url: string;
  /** True when JetStream is enabled. */
  readonly jetstream: boolean;
}

/** Starts nats-server on a random free loopback port and resolves once it sends its INFO greeting. */
export async function startNatsServer(options: NatsServerOptions = {}): Promise<NatsServerHandle> {
  const binary = requireBinary("nats-server");
  const jetstream = options.jetstream ?? false;
  const dataDir = makeTempDir("nats");
  const { handle, ports } = await startServer(
    "nats-server",
    dataDir,
    async () => ({ client: await freePort() }),
    ({ client }) => ({
      label: "nats-server",
      command: binary,
      args: [
        "--addr",
        "127.0.0.1",
        "--port",
        String(client),
        ...(jetstream ? ["--jetstream", "--store_dir", join(dataDir, "jetstream")] : []),
        ...(options.args ?? []),
      ],
      probe: () => tcpGreets(client, "INFO "),
      readyTimeoutMs: options.readyTimeoutMs ?? 10_000,
    }),
    ({ client }) => client,
  );
  return Object.assign(handle, { url: `nats://127.0.0.1:${ports.client}`, jetstream });
}
