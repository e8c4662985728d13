import { InvalidOptionError } from "@tsakt/actor";

/** The identity of a grain: its kind and its id within the kind, written "kind/id". */
export interface GrainIdentity {
  /** The registered kind, for example "account". */
  readonly kind: string;
  /** The grain's id within its kind, for example "42" or "ada@example.com". */
  readonly id: string;
}

/** Longest kind name. */
export const maxKindLength = 64;

/** Longest grain id, in UTF-16 code units. */
export const maxIdLength = 128;

/** Longest actor name of an activation, leaving room under the core's 255 for a "$<attempt>" suffix. */
const maxActivationNameLength = 240;

const kindPattern = /^[A-Za-z0-9_.-]+$/;
const plainId = /^[A-Za-z0-9_.-]*$/;
// Control characters would garble logs and addresses; everything else printable is a fair id.
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point.
const controlCharacter = /[\u0000-\u001f\u007f]/;

/** Throws InvalidOptionError (field "kind") unless `kind` is 1 to 64 letters, digits, "_", "." or "-". */
export function validateKind(kind: unknown): asserts kind is string {
  if (typeof kind !== "string") throw new InvalidOptionError("kind", `must be a string, got ${typeof kind}`);
  if (kind.length === 0) throw new InvalidOptionError("kind", "must not be empty");
  if (kind.length > maxKindLength) throw new InvalidOptionError("kind", `must be at most ${maxKindLength} characters, got ${kind.length}`);
  if (!kindPattern.test(kind))
    throw new InvalidOptionError("kind", `${JSON.stringify(kind)} may use only letters, digits and _ . - (no "/", "@" or spaces)`);
}

/** Throws InvalidOptionError (field "id") unless `id` is 1 to 128 characters without control characters. */
export function validateId(id: unknown): asserts id is string {
  if (typeof id !== "string") throw new InvalidOptionError("id", `must be a string, got ${typeof id}`);
  if (id.length === 0) throw new InvalidOptionError("id", "must not be empty");
  if (id.length > maxIdLength) throw new InvalidOptionError("id", `must be at most ${maxIdLength} characters, got ${id.length}`);
  if (controlCharacter.test(id)) throw new InvalidOptionError("id", `${JSON.stringify(id)} must not contain control characters`);
}

/** The identity's key, "kind/id"; unambiguous because a kind never contains "/". */
export function grainKey(kind: string, id: string): string {
  return `${kind}/${id}`;
}

/**
 * grainKey as a flat string, for a key that tables keep: a template makes a rope, which a table flattens into a second
 * string and keeps both (32 bytes more per active grain). Slower to build than grainKey, so only for new handles.
 */
export function storedGrainKey(kind: string, id: string): string {
  return [kind, id].join("/");
}

/**
 * The actor name of an identity's activation, "kind@id" with the id escaped so it fits the core's name rules:
 * every UTF-8 byte outside [A-Za-z0-9_.-] becomes "~" and two hex digits, so distinct identities get distinct
 * names. Throws InvalidOptionError (field "id") for an id with a lone surrogate or one too long once escaped.
 */
export function activationName(kind: string, id: string): string {
  const name = [kind, escapeId(id)].join("@"); // flat, as in grainKey: the parent's table of children keeps it
  if (name.length > maxActivationNameLength)
    throw new InvalidOptionError(
      "id",
      `is too long once escaped into an actor name (${name.length} of at most ${maxActivationNameLength} characters with the kind); ` +
        "characters other than letters, digits and _ . - take 3 characters per UTF-8 byte, so use a shorter id",
    );
  return name;
}

/** The key ("kind/id") of an activation's actor name (activationName, maybe with "$<attempt>"); undefined for other names. */
export function keyOfActivationName(name: string): string | undefined {
  const identity = identityOfActivationName(name);
  return identity === undefined ? undefined : grainKey(identity.kind, identity.id);
}

/** The identity of an activation's actor name (activationName, maybe with "$<attempt>"); undefined for other names. */
export function identityOfActivationName(name: string): GrainIdentity | undefined {
  const attempt = name.indexOf("$");
  const base = attempt < 0 ? name : name.slice(0, attempt);
  const at = base.indexOf("@");
  if (at <= 0) return undefined;
  const kind = base.slice(0, at);
  const escaped = base.slice(at + 1);
  if (!escaped.includes("~")) return { kind, id: escaped };
  try {
    return { kind, id: decodeURIComponent(escaped.replaceAll("~", "%")) };
  } catch {
    return undefined;
  }
}

function escapeId(id: string): string {
  if (plainId.test(id)) return id;
  let percent: string;
  try {
    percent = encodeURIComponent(id);
  } catch {
    throw new InvalidOptionError("id", `${JSON.stringify(id)} must be well-formed Unicode (it has a lone surrogate)`);
  }
  // encodeURIComponent leaves ! ' ( ) * ~ alone; they are not valid in actor names, and "~" marks our escapes.
  return percent.replace(/[!'()*~]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`).replaceAll("%", "~");
}
