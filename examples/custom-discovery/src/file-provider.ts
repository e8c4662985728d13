import { randomBytes } from "node:crypto";
import { readFile, rename, rm, writeFile } from "node:fs/promises";
import {
  type DiscoveryNode,
  type DiscoveryProvider,
  DiscoveryUnavailableError,
  InvalidConfigError,
  ProviderClosedError,
  validateDurationMs,
  validateNode,
  validateNonEmptyString,
} from "@tsakt/discovery";

/** Options of FileDiscoveryProvider. */
export interface FileDiscoveryOptions {
  /** The JSON file every node reads and writes, typically on a volume all nodes share. Required. */
  path: string;
  /** How long an entry counts after its last heartbeat; entries of nodes that died silently are ignored after this. Default: 10000. */
  ttlMs?: number;
  /** How often a registered node refreshes its heartbeat; must be shorter than ttlMs. Default: ttlMs / 3. */
  heartbeatMs?: number;
}

/** The file's shape: one entry per node name. */
interface PeerFile {
  version: 1;
  nodes: Record<string, { node: DiscoveryNode; heartbeat: number }>;
}

/** A user-written discovery provider: nodes share a JSON file of peers with heartbeat timestamps. */
export class FileDiscoveryProvider implements DiscoveryProvider {
  /** Always "file". */
  readonly id = "file";
  readonly #path: string;
  readonly #ttlMs: number;
  readonly #heartbeatMs: number;
  #self: DiscoveryNode | undefined;
  #timer: NodeJS.Timeout | undefined;
  #closed = false;

  constructor(options: FileDiscoveryOptions) {
    const o = options ?? ({} as Partial<FileDiscoveryOptions>);
    this.#path = validateNonEmptyString(o.path, "path");
    this.#ttlMs = validateDurationMs(o.ttlMs, "ttlMs", 10_000);
    this.#heartbeatMs = validateDurationMs(o.heartbeatMs, "heartbeatMs", this.#ttlMs / 3);
    if (this.#heartbeatMs >= this.#ttlMs)
      throw new InvalidConfigError("heartbeatMs", `must be shorter than ttlMs (${this.#ttlMs}), or the node's own entry expires`);
  }

  /** Writes this node's entry and keeps its heartbeat fresh until deregister() or close(). */
  async register(self: DiscoveryNode): Promise<void> {
    this.#ensureOpen("register");
    const node = validateNode(self);
    const previous = this.#self;
    await this.#update("register", (file) => {
      if (previous !== undefined) delete file.nodes[previous.name];
      file.nodes[node.name] = { node, heartbeat: Date.now() };
    });
    this.#self = node;
    clearInterval(this.#timer);
    this.#timer = setInterval(() => void this.#beat(), this.#heartbeatMs);
    this.#timer.unref();
  }

  /** Returns the entries whose heartbeat is younger than ttlMs, this node excluded. */
  async discoverPeers(): Promise<DiscoveryNode[]> {
    this.#ensureOpen("discoverPeers");
    const file = await this.#read("discoverPeers");
    const oldest = Date.now() - this.#ttlMs;
    return Object.values(file.nodes).flatMap((e) => {
      if (!(e.heartbeat > oldest) || e.node?.name === this.#self?.name) return [];
      return readEntry(e.node);
    });
  }

  /** Removes this node's entry and stops its heartbeat; a no-op when nothing is registered. */
  async deregister(): Promise<void> {
    this.#ensureOpen("deregister");
    await this.#withdraw("deregister");
  }

  /** Closes the provider, as close(): `await using provider = new …`. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  /** Removes this node's entry if there is one and stops the heartbeat; idempotent. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#withdraw("close").catch(() => undefined);
  }

  async #withdraw(operation: string): Promise<void> {
    clearInterval(this.#timer);
    const self = this.#self;
    this.#self = undefined;
    if (self !== undefined) await this.#update(operation, (file) => void delete file.nodes[self.name]);
  }

  // Rewriting the whole entry also restores it when the file was lost or another writer's update dropped it.
  async #beat(): Promise<void> {
    const self = this.#self;
    if (self === undefined) return;
    await this.#update("heartbeat", (file) => {
      if (this.#self === self) file.nodes[self.name] = { node: self, heartbeat: Date.now() };
    }).catch(() => undefined);
  }

  async #read(operation: string): Promise<PeerFile> {
    let text: string;
    try {
      text = await readFile(this.#path, "utf8");
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return { version: 1, nodes: {} };
      throw new DiscoveryUnavailableError(this.id, operation, error);
    }
    try {
      const file = JSON.parse(text) as PeerFile;
      if (typeof file !== "object" || file === null || typeof file.nodes !== "object" || file.nodes === null)
        throw new Error('no "nodes" object');
      return file;
    } catch (error) {
      throw new DiscoveryUnavailableError(this.id, operation, new Error(`${this.#path} is not a peer file: ${(error as Error).message}`));
    }
  }

  /** Read-modify-write, serialised per file within this process; the rename makes each write atomic for readers. */
  #update(operation: string, change: (file: PeerFile) => void): Promise<void> {
    const run = async (): Promise<void> => {
      const file = await this.#read(operation);
      change(file);
      const temp = `${this.#path}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`;
      try {
        await writeFile(temp, JSON.stringify(file, null, 2));
        await rename(temp, this.#path);
      } catch (error) {
        await rm(temp, { force: true });
        throw new DiscoveryUnavailableError(this.id, operation, error);
      }
    };
    const next = (writeQueues.get(this.#path) ?? Promise.resolve()).then(run, run);
    writeQueues.set(
      this.#path,
      next.catch(() => undefined),
    );
    return next;
  }

  #ensureOpen(operation: string): void {
    if (this.#closed) throw new ProviderClosedError(this.id, operation);
  }
}

// A malformed entry (another writer's bug, a hand edit) hides only that node, not the whole file.
function readEntry(node: unknown): DiscoveryNode[] {
  try {
    return [validateNode(node)];
  } catch {
    return [];
  }
}

// Writers in other processes can still interleave; a lost entry comes back with that node's next heartbeat.
const writeQueues = new Map<string, Promise<void>>();
