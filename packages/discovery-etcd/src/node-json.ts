import { type DiscoveryNode, InvalidConfigError, validateNode } from "@tsakt/discovery";

/** Serializes a node as the JSON value stored under its key. */
export function encodeNode(node: DiscoveryNode): string {
  return JSON.stringify(node);
}

/** Parses a stored value; returns undefined for anything that is not a valid node, so one bad key cannot break discovery. */
export function decodeNode(text: string): DiscoveryNode | undefined {
  try {
    return validateNode(JSON.parse(text), "peer");
  } catch (error) {
    if (error instanceof SyntaxError || error instanceof InvalidConfigError) return undefined;
    throw error;
  }
}
