import { createHash, timingSafeEqual } from "node:crypto";
import type { IncomingMessage } from "node:http";

/** Checks the bearer token of requests ("Authorization: Bearer …" or ?access_token=…) in constant time. */
export class TokenCheck {
  private readonly digest: Buffer | undefined;

  constructor(token: string | undefined) {
    this.digest = token === undefined ? undefined : sha256(token);
  }

  /** True when no token is configured or the request carries it. */
  allows(request: IncomingMessage, query: URLSearchParams): boolean {
    if (this.digest === undefined) return true;
    const header = request.headers.authorization;
    const given =
      typeof header === "string" && /^Bearer\s+/i.test(header) ? header.replace(/^Bearer\s+/i, "").trim() : query.get("access_token");
    // Hashing first makes the comparison constant-time whatever the lengths.
    return given !== null && given !== "" && timingSafeEqual(sha256(given), this.digest);
  }
}

function sha256(text: string): Buffer {
  return createHash("sha256").update(text, "utf8").digest();
}
