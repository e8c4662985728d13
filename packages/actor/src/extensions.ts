import { InvalidOptionError } from "./errors.js";

/** A system-wide service (a database pool, a client) that actors look up by id; also the shape of per-actor dependencies. */
export interface Extension {
  /** Unique id to look it up by. */
  readonly id: string;
}

/** Checks a list of extensions or dependencies: objects with unique non-empty ids. */
export function indexById<T extends Extension>(items: unknown, field: string): Map<string, T> {
  if (!Array.isArray(items)) throw new InvalidOptionError(field, "must be an array of objects with an id");
  const byId = new Map<string, T>();
  items.forEach((item: unknown, i) => {
    const id = (item as Partial<Extension> | null)?.id;
    if (typeof id !== "string" || id.length === 0) throw new InvalidOptionError(`${field}[${i}].id`, "must be a non-empty string");
    if (byId.has(id)) throw new InvalidOptionError(`${field}[${i}].id`, `repeats "${id}"; ids must be unique`);
    byId.set(id, item as T);
  });
  return byId;
}
