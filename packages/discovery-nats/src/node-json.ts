import { type DiscoveryNode, InvalidConfigError, validateNode } from "@tsakt/discovery";

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** Serializes a node as the JSON every provider of this package answers with. */
export function encodeNode(node: DiscoveryNode): Uint8Array {
  return encoder.encode(JSON.stringify(node));
}

/** Parses a peer's JSON; returns undefined for anything that is not a valid node, so one bad peer cannot break discovery. */
export function decodeNode(data: Uint8Array): DiscoveryNode | undefined {
  try {
    return validateNode(JSON.parse(decoder.decode(data)), "peer");
  } catch (error) {
    if (error instanceof SyntaxError || error instanceof InvalidConfigError) return undefined;
    throw error;
  }
}
