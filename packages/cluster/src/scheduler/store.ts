import type { Registry } from "../registry.js";
import { decodeDefinition, definitionOf, encodeDefinition, type JobDefinition } from "./job.js";

/** Registry key prefix of everything the cluster scheduler stores. */
export const SCHEDULER_PREFIX = "scheduler/";
const JOB = `${SCHEDULER_PREFIX}job/`;
const INDEX = `${SCHEDULER_PREFIX}index/`;
const FIRED = `${SCHEDULER_PREFIX}fired/`;
/** Absent index slots in a row that end the job list (a slot is briefly absent while its dead owner's entry is re-adopted). */
const INDEX_GAP_LIMIT = 8;
/** Upper bound on index slots walked, so no loop runs unbounded. */
const MAX_INDEX_SLOTS = 100_000;
const text = new TextEncoder();
const untext = new TextDecoder();

/**
 * The scheduler's state in the cluster registry: "scheduler/job/<name>" (the definition), "scheduler/index/<i>"
 * (slot i names a job, so any node can list them) and "scheduler/fired/<name>/<dueMs>" (the claim of one due time:
 * whoever creates it fires it).
 */
export class JobStore {
  private highWater = 0;

  constructor(
    private readonly registry: Registry,
    /** The member that should own new entries. */
    private readonly owner: () => string,
  ) {}

  /** Stores `definition` unless the name is taken; returns the stored one, and whether this call created it. */
  async create(definition: Parameters<typeof encodeDefinition>[0]): Promise<{ created: boolean; job: JobDefinition }> {
    const { created, entry } = await this.registry.putIfAbsent(JOB + definition.name, {
      kind: "scheduler-job",
      data: encodeDefinition(definition),
      owner: this.owner(),
    });
    if (created) await this.addToIndex(definition.name);
    return { created, job: definitionOf(decodeDefinition(entry.data)) };
  }

  /** The stored definition of `name`. */
  async get(name: string): Promise<JobDefinition | undefined> {
    const entry = await this.registry.get(JOB + name);
    return entry === undefined ? undefined : definitionOf(decodeDefinition(entry.data));
  }

  /** Removes the definition of `name`; false when there was none. */
  remove(name: string): Promise<boolean> {
    return this.registry.remove(JOB + name);
  }

  /** Every stored definition, by name. Costs one registry read per index slot, plus one per job. */
  async list(): Promise<JobDefinition[]> {
    const names = new Set<string>();
    let gap = 0;
    let slot = 0;
    for (; slot < MAX_INDEX_SLOTS && (gap < INDEX_GAP_LIMIT || slot < this.highWater); slot++) {
      const entry = await this.registry.get(INDEX + slot);
      if (entry === undefined) {
        gap++;
        continue;
      }
      gap = 0;
      names.add(untext.decode(entry.data));
    }
    this.highWater = Math.max(this.highWater, slot - gap);
    const jobs = await Promise.all([...names].map((name) => this.get(name)));
    return jobs.filter((job): job is JobDefinition => job !== undefined).sort((a, b) => (a.proto.name < b.proto.name ? -1 : 1));
  }

  /** True when due time `dueMs` of `name` was claimed (fired, or being fired). */
  async claimed(name: string, dueMs: number): Promise<boolean> {
    return (await this.registry.get(`${FIRED}${name}/${dueMs}`)) !== undefined;
  }

  /** Claims due time `dueMs` of `name` for `owner`; true when this call did (and so must fire it). */
  async claim(name: string, dueMs: number, owner: string): Promise<boolean> {
    const { created } = await this.registry.putIfAbsent(`${FIRED}${name}/${dueMs}`, { kind: "scheduler-fired", owner });
    return created;
  }

  /** Forgets the claim of an older due time (only the newest claim of a job is kept). */
  unclaim(name: string, dueMs: number): Promise<boolean> {
    return this.registry.remove(`${FIRED}${name}/${dueMs}`);
  }

  /** Gives `name` an index slot: the first free one from the highest slot this node saw. */
  private async addToIndex(name: string): Promise<void> {
    for (let slot = this.highWater; slot < MAX_INDEX_SLOTS; slot++) {
      const { created, entry } = await this.registry.putIfAbsent(INDEX + slot, {
        kind: "scheduler-index",
        data: text.encode(name),
        owner: this.owner(),
      });
      this.highWater = slot + 1;
      if (created || untext.decode(entry.data) === name) return;
    }
  }
}
