import { renameSync, writeFileSync } from "node:fs";
import { userInfo } from "node:os";
import { join } from "node:path";
import { requireBinary } from "./binary.js";
import { copyRecords, type DnsRecords, renderConfRecords, renderHostsFile } from "./dns-records.js";
import { freeUdpTcpPort } from "./free-port.js";
import { dnsAnswers } from "./probes.js";
import { makeTempDir, type ServerHandle, startServer } from "./server-handle.js";

/** Options for startDnsmasq. */
export interface DnsmasqOptions {
  /** The records to serve from the start. Default: none. */
  records?: DnsRecords;
  /** Domains answered only from the records: unknown names get NXDOMAIN instead of REFUSED. Default: ["cluster.local", "test"]. */
  localDomains?: readonly string[];
  /** Extra command-line arguments passed to dnsmasq. Default: none. */
  args?: readonly string[];
  /** How long to wait for the server to answer from its current records. Default: 10000. */
  readyTimeoutMs?: number;
}

/** How setRecords made the new records visible. */
export type RecordsApplied = "reloaded" | "restarted" | "stored";

/** A running dnsmasq serving DNS (UDP and TCP) on 127.0.0.1, with no DHCP and no upstream servers. */
export interface DnsmasqHandle extends ServerHandle {
  /** "127.0.0.1:<port>", in the form node:dns Resolver.setServers takes. */
  readonly server: string;
  /** A copy of the records served now. */
  readonly records: DnsRecords;
  /**
   * Replaces the records and resolves once the server answers from the new set. Address-only changes rewrite the
   * hosts file and send SIGHUP ("reloaded", same PID); SRV, TXT or PTR changes restart the process on the same port
   * ("restarted"), because dnsmasq never re-reads its config file. While the process is down the files are only
   * written ("stored") and the next restart() serves them.
   */
  setRecords(records: DnsRecords): Promise<RecordsApplied>;
}

const markerAddress = "127.0.0.1";

/** Starts dnsmasq in the foreground on a random loopback port and resolves once it answers from `records`. */
export async function startDnsmasq(options: DnsmasqOptions = {}): Promise<DnsmasqHandle> {
  const binary = requireBinary("dnsmasq");
  const readyTimeoutMs = options.readyTimeoutMs ?? 10_000;
  const dataDir = makeTempDir("dnsmasq");
  const confFile = join(dataDir, "records.conf");
  const hostsFile = join(dataDir, "hosts");
  const state = { generation: 0, records: copyRecords(options.records ?? {}), conf: "" };
  // Each version of the hosts file carries a name of its own, so a probe can tell which version the server has read.
  const marker = (): string => `generation-${state.generation}.tsakt-dnsmasq.invalid`;
  const writeFiles = (): void => {
    state.conf = renderConfRecords(state.records);
    atomicWrite(confFile, state.conf);
    atomicWrite(hostsFile, `${renderHostsFile(state.records)}${markerAddress} ${marker()}\n`);
  };
  writeFiles();

  const { handle, ports } = await startServer(
    "dnsmasq",
    dataDir,
    async () => ({ dns: await freeUdpTcpPort() }),
    ({ dns }) => ({
      label: "dnsmasq",
      command: binary,
      args: [
        "--keep-in-foreground",
        `--conf-file=${confFile}`,
        `--addn-hosts=${hostsFile}`,
        `--port=${dns}`,
        "--listen-address=127.0.0.1",
        "--bind-interfaces",
        "--no-resolv",
        "--no-hosts",
        "--no-poll",
        "--cache-size=0",
        "--pid-file=",
        "--log-facility=-",
        // As root dnsmasq would switch to "nobody", which cannot read the private temp dir when SIGHUP re-reads the
        // hosts file; naming the current user keeps the same user (and is a no-op when not started as root).
        `--user=${userInfo().username}`,
        ...(options.localDomains ?? ["cluster.local", "test"]).map((domain) => `--local=/${domain}/`),
        ...(options.args ?? []),
      ],
      probe: () => dnsAnswers(dns, marker(), markerAddress),
      readyTimeoutMs,
    }),
    ({ dns }) => dns,
  );

  async function setRecords(records: DnsRecords): Promise<RecordsApplied> {
    const previousConf = state.conf;
    state.records = copyRecords(records);
    state.generation += 1;
    writeFiles();
    if (!handle.running) return "stored";
    if (state.conf !== previousConf) {
      await handle.restart();
      return "restarted";
    }
    const pid = handle.pid;
    if (pid !== undefined) process.kill(pid, "SIGHUP");
    const deadline = Date.now() + readyTimeoutMs;
    while (!(await dnsAnswers(ports.dns, marker(), markerAddress))) {
      if (Date.now() >= deadline)
        throw new Error(`dnsmasq did not re-read its hosts file within ${readyTimeoutMs} ms; logs:\n${handle.logs()}`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    return "reloaded";
  }

  // A getter, not a value: Object.assign would copy one snapshot of the records.
  Object.defineProperty(handle, "records", { enumerable: true, get: () => copyRecords(state.records) });
  return Object.assign(handle, { server: `127.0.0.1:${ports.dns}`, setRecords }) as DnsmasqHandle;
}

function atomicWrite(path: string, text: string): void {
  writeFileSync(`${path}.tmp`, text);
  renameSync(`${path}.tmp`, path);
}
