import { safeIdentifier } from "@bufbuild/protoplugin";

/** Hooks the runtime calls on handlers (see @tsakt/contracts), and names a thenable or prototype lookup would misread. */
const reservedMembers = new Set(["onActivate", "onDeactivate", "onOther", "preStart", "postStop", "then", "__proto__"]);

/**
 * Names a generated class must not take: the global its code uses (Promise), and its methods' parameters, which
 * would shadow the class inside them (`static of(system, id) { return new system(…) }`).
 */
const shadowed = new Set(["Promise", "system", "id", "name", "pid", "factory", "options", "request", "sender"]);

/** The identifier for a top-level declaration named after `protoName`: reserved and shadowed names get a "$". */
export function declarationName(protoName: string): string {
  const safe = safeIdentifier(protoName);
  return shadowed.has(safe) ? `${safe}$` : safe;
}

/** A handler and client method name for an rpc's localName: names the runtime or JavaScript reserve get a "$". */
export function memberName(localName: string): string {
  return reservedMembers.has(localName) ? `${localName}$` : localName;
}

/** Names already used in one scope; a clash gets "$1", "$2", … (protobuf identifiers never contain "$"). */
export class NameScope {
  private readonly taken = new Set<string>();

  /** Takes `name`, or the first free `name$<n>`. */
  claim(name: string): string {
    let free = name;
    for (let n = 1; this.taken.has(free); n++) free = `${name}$${n}`;
    this.taken.add(free);
    return free;
  }
}
