/** A discovery node for tests, shaped like @tsakt/discovery's DiscoveryNode (this package stays dependency-free). */
export interface TestNode {
  name: string;
  host: string;
  port: number;
}

let counter = 0;

/** A name unique to this test process: "<label>-<pid>-<n>". */
export function uniqueName(label: string): string {
  counter += 1;
  return `${label}-${process.pid}-${counter}`;
}

/** A node on 127.0.0.1 with a unique name and a random port number (only advertised, never bound). */
export function testNode(label: string): TestNode {
  return { name: uniqueName(label), host: "127.0.0.1", port: 20_000 + Math.floor(Math.random() * 40_000) };
}

/** The names of `peers`, for assertions. */
export function nodeNames(peers: ReadonlyArray<{ name: string }>): string[] {
  return peers.map((p) => p.name);
}
