import { Resolver } from "node:dns/promises";
import { DnsQueryError, type DnsRecordType } from "./errors.js";
import type { ResolvedDnsSdOptions } from "./options.js";

/** An SRV answer: the target host and port, with the priority and weight the record gives them. */
export interface SrvAnswer {
  name: string;
  port: number;
  priority: number;
  weight: number;
}

/** Why a session stopped before its queries finished. */
export type SessionEnd = "deadline" | "closed";

// "No such name" and "no records of that type" both mean the thing asked for is not published.
const absent = new Set(["ENOTFOUND", "ENODATA"]);

/**
 * The queries of one discoverPeers() call on a resolver of their own, so the call's deadline (and close()) can cancel
 * exactly its queries. Each method resolves undefined when the name or record type is absent and rejects with
 * DnsQueryError on any other failure.
 */
export class DnsSession {
  readonly #resolver: Resolver;
  readonly #servers: string[];
  readonly #timer: NodeJS.Timeout;
  readonly #timeoutMs: number;
  #ended: SessionEnd | undefined;

  constructor(options: ResolvedDnsSdOptions) {
    this.#resolver = new Resolver({ timeout: options.queryTimeoutMs, tries: options.tries });
    if (options.servers !== undefined) this.#resolver.setServers(options.servers);
    this.#servers = this.#resolver.getServers();
    this.#timeoutMs = options.timeoutMs;
    this.#timer = setTimeout(() => this.cancel("deadline"), options.timeoutMs);
  }

  /** Why the session was cancelled, if it was. */
  get ended(): SessionEnd | undefined {
    return this.#ended;
  }

  /** Cancels the outstanding queries; they reject with DnsQueryError. */
  cancel(reason: SessionEnd): void {
    this.#ended ??= reason;
    this.finish();
  }

  /** Releases the timer and any query still outstanding; called once the call has its answer. */
  finish(): void {
    clearTimeout(this.#timer);
    this.#resolver.cancel();
  }

  /** SRV records at `name`. */
  srv(name: string): Promise<SrvAnswer[] | undefined> {
    return this.#query("SRV", name, () => this.#resolver.resolveSrv(name));
  }

  /** PTR targets at `name`. */
  ptr(name: string): Promise<string[] | undefined> {
    return this.#query("PTR", name, () => this.#resolver.resolvePtr(name));
  }

  /** TXT records at `name`, each as its list of strings. */
  txt(name: string): Promise<string[][] | undefined> {
    return this.#query("TXT", name, () => this.#resolver.resolveTxt(name));
  }

  /** IPv4 addresses of `name`. */
  a(name: string): Promise<string[] | undefined> {
    return this.#query("A", name, () => this.#resolver.resolve4(name));
  }

  /** IPv6 addresses of `name`. */
  aaaa(name: string): Promise<string[] | undefined> {
    return this.#query("AAAA", name, () => this.#resolver.resolve6(name));
  }

  async #query<T>(type: DnsRecordType, name: string, run: () => Promise<T>): Promise<T | undefined> {
    if (this.#ended !== undefined) throw this.#endError(type, name, undefined);
    try {
      return await run();
    } catch (error) {
      const code = (error as { code?: unknown }).code;
      if (typeof code === "string" && absent.has(code)) return undefined;
      if (this.#ended !== undefined) throw this.#endError(type, name, error);
      throw new DnsQueryError(name, type, typeof code === "string" ? code : "EUNKNOWN", this.#servers, { cause: error });
    }
  }

  #endError(type: DnsRecordType, name: string, cause: unknown): DnsQueryError {
    const detail =
      this.#ended === "closed"
        ? "the provider was closed while the query ran"
        : `discoverPeers did not get every answer within timeoutMs (${this.#timeoutMs} ms); check that the DNS server runs and is reachable`;
    return new DnsQueryError(name, type, this.#ended === "closed" ? "ECANCELLED" : "ETIMEOUT", this.#servers, { cause, detail });
  }
}
