import { inspect } from "node:util";

const maxLength = 500;

/** Renders a message for error texts: protobuf messages and plain values alike, bounded in depth and length. */
export function describeValue(value: unknown): string {
  const text = inspect(value, { depth: 4, breakLength: Infinity, maxArrayLength: 20, maxStringLength: 200 });
  return text.length > maxLength ? `${text.slice(0, maxLength)}…` : text;
}

/** Renders received messages as a list for timeout errors, "nothing" when there were none. */
export function describeList(values: readonly unknown[]): string {
  if (values.length === 0) return "nothing";
  return `${values.length} message${values.length === 1 ? "" : "s"}: ${values.map(describeValue).join(", ")}`;
}
