/** One parsed label-selector requirement. */
export type Requirement =
  | { key: string; op: "exists" | "!exists" }
  | { key: string; op: "=" | "!="; value: string }
  | { key: string; op: "in" | "notin"; values: string[] };

/** A label selector the API server could not parse; the message follows its wording. */
export class SelectorParseError extends Error {}

const namePart = /^[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;
const prefixPart = /^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/;
const valuePart = /^([A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)?$/;

function checkKey(key: string): string {
  const slash = key.indexOf("/");
  const prefix = slash >= 0 ? key.slice(0, slash) : undefined;
  const name = slash >= 0 ? key.slice(slash + 1) : key;
  if ((prefix !== undefined && !prefixPart.test(prefix)) || !namePart.test(name)) {
    throw new SelectorParseError(`unable to parse requirement: invalid label key "${key}"`);
  }
  return key;
}

function checkValue(value: string): string {
  if (!valuePart.test(value)) throw new SelectorParseError(`unable to parse requirement: invalid label value: "${value}"`);
  return value;
}

/** Splits on commas that are not inside a parenthesised value list. */
function splitTop(selector: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < selector.length; i++) {
    const ch = selector[i];
    if (ch === "(") depth++;
    else if (ch === ")") depth--;
    else if (ch === "," && depth === 0) {
      parts.push(selector.slice(start, i));
      start = i + 1;
    }
  }
  parts.push(selector.slice(start));
  return parts.map((p) => p.trim());
}

/** Parses an equality- or set-based label selector ("app=x,tier!=db,env in (a,b),!legacy"); "" selects everything. */
export function parseLabelSelector(selector: string): Requirement[] {
  if (selector.trim() === "") return [];
  return splitTop(selector).map((part): Requirement => {
    if (part === "") throw new SelectorParseError("unable to parse requirement: found '', expected: identifier");
    const set = /^(\S+)\s+(in|notin)\s*\((.*)\)$/.exec(part);
    if (set) {
      const [, key = "", op, list = ""] = set;
      const values = list.split(",").map((v) => checkValue(v.trim()));
      return { key: checkKey(key), op: op as "in" | "notin", values };
    }
    const eq = /^([^!=\s]+)\s*(==|=|!=)\s*(.*)$/.exec(part);
    if (eq) {
      const [, key = "", op, value = ""] = eq;
      return { key: checkKey(key), op: op === "!=" ? "!=" : "=", value: checkValue(value.trim()) };
    }
    if (part.startsWith("!")) return { key: checkKey(part.slice(1).trim()), op: "!exists" };
    return { key: checkKey(part), op: "exists" };
  });
}

/** True when `labels` satisfy every requirement. */
export function matchesSelector(requirements: readonly Requirement[], labels: Readonly<Record<string, string>>): boolean {
  return requirements.every((r) => {
    const has = Object.hasOwn(labels, r.key);
    const value = labels[r.key];
    switch (r.op) {
      case "exists":
        return has;
      case "!exists":
        return !has;
      case "=":
        return value === r.value;
      case "!=":
        return value !== r.value;
      case "in":
        return has && r.values.includes(value ?? "");
      case "notin":
        return !has || !r.values.includes(value ?? "");
      default:
        return false;
    }
  });
}
