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

/** Polls `check` until it is true; false once `timeoutMs` passed, so the caller asserts. Default: 5000 ms, every 50 ms. */
export async function pollUntil(check: () => Promise<boolean>, timeoutMs = 5000, intervalMs = 50): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() >= deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
  return true;
}
