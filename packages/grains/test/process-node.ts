import { fileURLToPath } from "node:url";
import { LineChild } from "@tsakt/test-servers";

const fixture = fileURLToPath(new URL("./fixtures/grain-node.mjs", import.meta.url));
const loader = fileURLToPath(new URL("./fixtures/register-dist.mjs", import.meta.url));

interface Line {
  ready?: boolean;
  hostPort?: string;
  seq?: number;
  value?: string;
  error?: string;
  members?: number;
}

/** A cluster node with grains in its own OS process (fixtures/grain-node.mjs over the built dist), driven over stdin. */
export class GrainProcess extends LineChild<Line> {
  private constructor(
    readonly name: string,
    peers: readonly string[],
  ) {
    super({ fixture, loader, env: { GRAIN_NODE: JSON.stringify({ name, peers }) }, label: `grain node ${name}` });
  }

  /** Starts a node that joins through `peers` ("host:port"); resolves once it listens, within 20 s. */
  static start(name: string, peers: readonly string[] = []): Promise<GrainProcess> {
    return new GrainProcess(name, peers).started();
  }

  /** Asks grain where/<id> with a StringValue; resolves with its reply text or "error <code>". */
  ask(id: string, text: string, timeoutMs = 5000): Promise<string> {
    return this.command({ op: "ask", id, text, timeoutMs }).then((line) =>
      line.error === undefined ? (line.value as string) : `error ${line.error}`,
    );
  }

  /** Number of live members this node sees. */
  async members(): Promise<number> {
    return (await this.command({ op: "members" })).members ?? 0;
  }

  /** Ends the process: closing stdin stops it gracefully; SIGKILL after 5 s. */
  override stop(): Promise<void> {
    return super.stop(5000);
  }
}
