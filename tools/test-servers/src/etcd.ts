import { join } from "node:path";
import { requireBinary } from "./binary.js";
import { freePorts } from "./free-port.js";
import { httpAnswers } from "./probes.js";
import { makeTempDir, type ServerHandle, startServer } from "./server-handle.js";

/** Options for startEtcd. */
export interface EtcdOptions {
  /** Extra command-line arguments passed to etcd. Default: none. */
  args?: readonly string[];
  /** How long to wait for /health to report healthy. Default: 15000. */
  readyTimeoutMs?: number;
}

/** A running single-member etcd on 127.0.0.1. */
export interface EtcdHandle extends ServerHandle {
  /** Client URL, for example "http://127.0.0.1:41234". */
  readonly url: string;
  /** The client URLs, as etcd clients take them. */
  readonly endpoints: string[];
  /** The peer port, kept across restarts because the member's identity is stored with it. */
  readonly peerPort: number;
}

/** Starts a single-member etcd on random free loopback client and peer ports and resolves once /health is true. */
export async function startEtcd(options: EtcdOptions = {}): Promise<EtcdHandle> {
  const binary = requireBinary("etcd");
  const dataDir = makeTempDir("etcd");
  const { handle, ports } = await startServer(
    "etcd",
    dataDir,
    async () => {
      const [client = 0, peer = 0] = await freePorts(2);
      return { client, peer };
    },
    ({ client, peer }) => {
      const clientUrl = `http://127.0.0.1:${client}`;
      const peerUrl = `http://127.0.0.1:${peer}`;
      return {
        label: "etcd",
        command: binary,
        args: [
          "--name",
          "tsakt-test",
          "--data-dir",
          join(dataDir, "data"),
          "--listen-client-urls",
          clientUrl,
          "--advertise-client-urls",
          clientUrl,
          "--listen-peer-urls",
          peerUrl,
          "--initial-advertise-peer-urls",
          peerUrl,
          "--initial-cluster",
          `tsakt-test=${peerUrl}`,
          "--initial-cluster-state",
          "new",
          "--logger",
          "zap",
          "--log-outputs",
          "stderr",
          ...(options.args ?? []),
        ],
        probe: () => httpAnswers(client, "/health", (body) => body.includes('"health":"true"')),
        readyTimeoutMs: options.readyTimeoutMs ?? 15_000,
      };
    },
    ({ client }) => client,
  );
  const url = `http://127.0.0.1:${ports.client}`;
  return Object.assign(handle, { url, endpoints: [url], peerPort: ports.peer });
}
