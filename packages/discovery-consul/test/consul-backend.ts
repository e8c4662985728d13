import { randomBytes } from "node:crypto";
import { type ConsulDiscoveryOptions, consulOptionsFromEnv } from "@tsakt/discovery-consul";
// vitest.shared.ts maps @tsakt/<name> to packages/<name>, so the tools/ package is reached by path.
import { type FakeConsulAgent, type FakeConsulAgentOptions, startFakeConsulAgent } from "@tsakt/protocol-fakes";

/** The agent a test talks to: a real one when CONSUL_HTTP_ADDR is set, otherwise a FAKE agent on 127.0.0.1. */
export interface ConsulBackend {
  /** Connection options for ConsulDiscoveryProvider (host, port, secure, token). */
  options: Pick<ConsulDiscoveryOptions, "host" | "port" | "secure" | "token">;
  /** The fake agent, when not running against a real one. */
  fake: FakeConsulAgent | undefined;
  /** GET/PUT on the agent's HTTP API, for assertions a provider does not expose. */
  http(method: "GET" | "PUT", path: string): Promise<Response>;
  stop(): Promise<void>;
}

/** True when CONSUL_HTTP_ADDR points the tests at a real agent. */
export const realConsul = Boolean(process.env.CONSUL_HTTP_ADDR?.trim());

/** Starts a fake agent, or wraps the real one from CONSUL_HTTP_ADDR; `forceFake` is for tests that need fake-only knobs. */
export async function startConsulBackend(fakeOptions: FakeConsulAgentOptions = {}, forceFake = false): Promise<ConsulBackend> {
  if (realConsul && !forceFake) {
    const options = consulOptionsFromEnv();
    return backend(options, undefined);
  }
  const fake = await startFakeConsulAgent(fakeOptions);
  return backend({ host: fake.host, port: fake.port, ...(fakeOptions.aclToken ? { token: fakeOptions.aclToken } : {}) }, fake);
}

function backend(options: ConsulBackend["options"], fake: FakeConsulAgent | undefined): ConsulBackend {
  const base = `${options.secure ? "https" : "http"}://${options.host ?? "127.0.0.1"}:${options.port ?? 8500}`;
  return {
    options,
    fake,
    http: (method, path) => fetch(`${base}${path}`, { method, headers: options.token ? { "X-Consul-Token": options.token } : {} }),
    stop: async () => {
      await fake?.stop();
    },
  };
}

/** A service name unique to this run, so leftovers on a shared real agent never match. */
export function uniqueServiceName(): string {
  return `tsakt-test-${randomBytes(4).toString("hex")}`;
}
