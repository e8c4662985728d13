import { InvalidConfigError, parseHostPort } from "@tsakt/discovery";
import type { ConsulDiscoveryOptions } from "./consul-options.js";

/**
 * Reads the agent address and token the way Consul's own tools do, from CONSUL_HTTP_ADDR
 * ("host:port", "http://host:port" or "https://host:port"), CONSUL_HTTP_SSL and CONSUL_HTTP_TOKEN.
 * Returns {} when CONSUL_HTTP_ADDR is unset.
 */
export function consulOptionsFromEnv(
  env: Record<string, string | undefined> = process.env,
): Pick<ConsulDiscoveryOptions, "host" | "port" | "secure" | "token"> {
  const raw = env.CONSUL_HTTP_ADDR?.trim();
  if (!raw) return {};
  const scheme = /^(https?):\/\//i.exec(raw)?.[1]?.toLowerCase();
  const { host, port } = parseHostPort(raw.replace(/^https?:\/\//i, "").replace(/\/+$/, ""), "CONSUL_HTTP_ADDR");
  const ssl = env.CONSUL_HTTP_SSL?.trim().toLowerCase();
  if (ssl !== undefined && ssl !== "" && !["true", "false", "1", "0"].includes(ssl)) {
    throw new InvalidConfigError("CONSUL_HTTP_SSL", `must be true or false, got ${JSON.stringify(env.CONSUL_HTTP_SSL)}`);
  }
  const secure = scheme === "https" || ssl === "true" || ssl === "1";
  const token = env.CONSUL_HTTP_TOKEN?.trim();
  return { host, port, secure, ...(token ? { token } : {}) };
}
