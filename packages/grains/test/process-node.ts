import { type ChildProcess, spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";

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
export class GrainProcess {
  hostPort = "";
  private readonly child: ChildProcess;
  private seq = 0;
  private readonly pending = new Map<number, (line: Line) => void>();
  private readonly ready: Promise<boolean>;
  private errors = "";

  private constructor(
    readonly name: string,
    peers: readonly string[],
  ) {
    this.child = spawn(process.execPath, ["--import", loader, fixture], {
      env: { ...process.env, GRAIN_NODE: JSON.stringify({ name, peers }) },
      stdio: ["pipe", "pipe", "pipe"],
    });
    this.child.stderr?.on("data", (chunk: Buffer) => (this.errors += chunk.toString()));
    let ready: (ok: boolean) => void = () => {};
    this.ready = new Promise((resolve) => (ready = resolve));
    this.child.once("exit", () => {
      ready(false);
      for (const answer of this.pending.values()) answer({ error: "exited" });
      this.pending.clear();
    });
    createInterface({ input: this.child.stdout as NodeJS.ReadableStream }).on("line", (text) => {
      const line = JSON.parse(text) as Line;
      if (line.ready === true) {
        this.hostPort = line.hostPort as string;
        ready(true);
      } else if (line.seq !== undefined) {
        this.pending.get(line.seq)?.(line);
        this.pending.delete(line.seq);
      }
    });
  }

  /** Starts a node that joins through `peers` ("host:port"); resolves once it listens, within 20 s. */
  static async start(name: string, peers: readonly string[] = []): Promise<GrainProcess> {
    const node = new GrainProcess(name, peers);
    const timer = setTimeout(() => node.child.kill("SIGKILL"), 20_000);
    const ok = await node.ready;
    clearTimeout(timer);
    if (!ok) throw new Error(`grain node ${name} exited before it was ready (did \`npx tsc -b\` run?):\n${node.errors}`);
    return node;
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

  /** SIGKILL: no leave, no goodbye. */
  kill(): void {
    this.child.kill("SIGKILL");
  }

  /** Ends the process: closing stdin stops it gracefully; SIGKILL after 5 s. */
  async stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => this.child.once("exit", () => resolve()));
    this.child.stdin?.end();
    const timer = setTimeout(() => this.child.kill("SIGKILL"), 5000);
    await exited;
    clearTimeout(timer);
  }

  private command(body: Record<string, unknown>): Promise<Line> {
    const seq = ++this.seq;
    return new Promise((resolve) => {
      this.pending.set(seq, resolve);
      this.child.stdin?.write(`${JSON.stringify({ seq, ...body })}\n`);
    });
  }
}
