import { accessSync, constants, readdirSync } from "node:fs";
import { delimiter, join } from "node:path";

/** Environment variables that point at a server binary outside PATH, by binary name. */
export const binaryEnvOverrides: Readonly<Record<string, string>> = {
  "nats-server": "NATS_SERVER_BIN",
  etcd: "ETCD_BIN",
  dnsmasq: "DNSMASQ_BIN",
  postgres: "POSTGRES_BIN",
  initdb: "INITDB_BIN",
  kubectl: "KUBECTL_BIN",
};

/** Directories searched after PATH, by binary name: Debian keeps PostgreSQL's programs in /usr/lib/postgresql/<major>/bin. */
const fallbackDirs: Readonly<Record<string, () => string[]>> = {
  postgres: postgresBinDirs,
  initdb: postgresBinDirs,
};

function postgresBinDirs(): string[] {
  try {
    return readdirSync("/usr/lib/postgresql")
      .filter((v) => /^\d+$/.test(v))
      .sort((a, b) => Number(b) - Number(a))
      .map((v) => join("/usr/lib/postgresql", v, "bin"));
  } catch {
    return [];
  }
}

/** A server binary the tests need is not installed; the message says which apt package provides it. */
export class MissingBinaryError extends Error {
  constructor(
    /** The executable that was looked for, for example "nats-server". */
    readonly binary: string,
  ) {
    super(
      `${binary} was not found on PATH${overrideHint(binary)}; install it (Debian: apt-get install -y ${aptPackage(binary)}) ` +
        `or run without CI=true to skip the tests that need it`,
    );
    this.name = "MissingBinaryError";
  }
}

/** Returns the absolute path of an executable, looked up in its override variable then PATH; undefined when absent. */
export function findBinary(name: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
  const overrideVar = binaryEnvOverrides[name];
  const override = overrideVar === undefined ? undefined : env[overrideVar];
  if (override !== undefined && override !== "") return isExecutable(override) ? override : undefined;
  for (const dir of [...(env.PATH ?? "").split(delimiter), ...(fallbackDirs[name]?.() ?? [])]) {
    if (dir === "") continue;
    const candidate = join(dir, name);
    if (isExecutable(candidate)) return candidate;
  }
  return undefined;
}

/** True when the executable can be found (see findBinary). */
export function binaryAvailable(name: string, env: NodeJS.ProcessEnv = process.env): boolean {
  return findBinary(name, env) !== undefined;
}

/** Returns the executable's path or throws MissingBinaryError. */
export function requireBinary(name: string, env: NodeJS.ProcessEnv = process.env): string {
  const path = findBinary(name, env);
  if (path === undefined) throw new MissingBinaryError(name);
  return path;
}

/**
 * Decides whether a test file may skip for lack of a server binary: false when present, true when absent outside CI,
 * and throws MissingBinaryError when absent under CI=true, so CI can never pass by skipping.
 */
export function skipWithoutBinary(name: string, env: NodeJS.ProcessEnv = process.env): boolean {
  if (binaryAvailable(name, env)) return false;
  if (env.CI === "true") throw new MissingBinaryError(name);
  return true;
}

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function overrideHint(binary: string): string {
  const overrideVar = binaryEnvOverrides[binary];
  return overrideVar === undefined ? "" : ` (or in $${overrideVar})`;
}

function aptPackage(binary: string): string {
  if (binary === "nats-server") return "nats-server";
  if (binary === "etcd") return "etcd-server";
  // dnsmasq-base ships only the binary; the "dnsmasq" package would also install and start a system daemon on port 53.
  if (binary === "dnsmasq") return "dnsmasq-base";
  if (binary === "postgres" || binary === "initdb") return "postgresql";
  if (binary === "kubectl") return "kubernetes-client";
  if (binary === "ip") return "iproute2";
  return binary;
}
