import { DiscoveryError } from "@tsakt/discovery";

/** The DNS record types the provider queries. */
export type DnsRecordType = "SRV" | "PTR" | "TXT" | "A" | "AAAA";

/**
 * A DNS query failed for a reason other than "no such name" (which means "no peers"); discoverPeers rejects with a
 * DiscoveryUnavailableError whose `cause` is this error.
 */
export class DnsQueryError extends DiscoveryError {
  constructor(
    /** The name that was queried. */
    readonly query: string,
    /** The record type that was queried. */
    readonly recordType: DnsRecordType,
    /** node:dns's code: "ETIMEOUT" (also when the provider's timeoutMs ran out), "ECONNREFUSED", "ESERVFAIL", "EREFUSED", … */
    readonly dnsCode: string,
    /** The servers that were asked, as "ip:port". */
    readonly servers: readonly string[],
    options?: ErrorOptions & { detail?: string },
  ) {
    super(
      "DnsQueryFailed",
      `${recordType} query for ${query} failed with ${dnsCode} from ${servers.join(", ") || "the system resolvers"}: ${options?.detail ?? explain(dnsCode)}`,
      options,
    );
  }
}

function explain(dnsCode: string): string {
  switch (dnsCode) {
    case "ETIMEOUT":
      return "no answer in time; check that the DNS server runs and is reachable, or raise timeoutMs";
    case "ECONNREFUSED":
      return "nothing listens there; check the servers option";
    case "EREFUSED":
      return "the server refused the query; check that it serves this zone";
    case "ESERVFAIL":
      return "the server failed to answer; check its logs and upstreams";
    default:
      return "see the cause";
  }
}
