/** What a node's TXT record says about it. */
export interface TxtAttributes {
  /** From "name=": the node's name. */
  name?: string;
  /** From "roles=a,b": the node's roles. */
  roles?: string[];
  /** Every other "key=value" (a bare "key" gives ""), keys as written. */
  meta?: Record<string, string>;
}

/**
 * Reads RFC 6763 key/value strings from TXT records (node:dns gives one array of strings per record): keys match
 * without regard to case, the first occurrence of a key wins, and strings with an empty key are ignored.
 */
export function parseTxt(records: readonly (readonly string[])[]): TxtAttributes {
  const seen = new Set<string>();
  const attributes: TxtAttributes = {};
  const meta: Record<string, string> = {};
  for (const record of records) {
    for (const entry of record) {
      const eq = entry.indexOf("=");
      const key = eq < 0 ? entry : entry.slice(0, eq);
      const value = eq < 0 ? "" : entry.slice(eq + 1);
      const folded = key.toLowerCase();
      if (key.length === 0 || seen.has(folded)) continue;
      seen.add(folded);
      if (folded === "name") {
        if (value.length > 0) attributes.name = value;
      } else if (folded === "roles") {
        attributes.roles = value
          .split(",")
          .map((role) => role.trim())
          .filter((role) => role.length > 0);
      } else {
        meta[key] = value;
      }
    }
  }
  if (Object.keys(meta).length > 0) attributes.meta = meta;
  return attributes;
}
