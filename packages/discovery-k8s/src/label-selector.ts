import { InvalidConfigError } from "@tsakt/discovery";

const key = String.raw`(?:[a-z0-9](?:[-a-z0-9.]{0,251}[a-z0-9])?\/)?[A-Za-z0-9](?:[-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?`;
const value = "(?:[A-Za-z0-9](?:[-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)?";
const requirement = new RegExp(
  String.raw`^(?:!?${key}|${key}\s*(?:==|=|!=)\s*${value}|${key}\s+(?:in|notin)\s*\(\s*${value}(?:\s*,\s*${value})*\s*\))$`,
);

/**
 * Checks the syntax of a label selector ("app=tsakt,tier!=db,env in (a,b),!legacy") so a typo
 * fails at construction instead of as an API error at the first discovery.
 */
export function validateLabelSelector(selector: unknown, field: string): string {
  if (typeof selector !== "string" || selector.trim() === "") {
    throw new InvalidConfigError(
      field,
      'is required: a label selector that matches your TsAkt pods, for example "app.kubernetes.io/name=my-app"',
    );
  }
  let depth = 0;
  let start = 0;
  const parts: string[] = [];
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
  for (const part of parts) {
    if (!requirement.test(part.trim()))
      throw new InvalidConfigError(field, `has an invalid requirement ${JSON.stringify(part.trim())} in ${JSON.stringify(selector)}`);
  }
  return selector;
}
