import { InvalidNameError } from "@tsakt/actor";

/**
 * What a connection that authenticated as a client may reach on this node: every /user actor, and the system
 * actors a plugin opened to clients (openToClients); every other system actor (the cluster's, placement, the grain
 * managers, …), the temporary ask and sender paths, and remote spawn and stop are for members only. Closed by
 * default, so a plugin's new system actor is safe from clients until it says otherwise.
 */
export class ClientAccess {
  private readonly open = new Set<string>();

  /** Lets clients reach /system/<name> (and its children). */
  openSystemActor(name: string): void {
    if (typeof name !== "string" || !/^[A-Za-z0-9_.~@-][A-Za-z0-9_.~@$-]*$/.test(name))
      throw new InvalidNameError(String(name), "must be the name of a system actor (without /system/)");
    this.open.add(name);
  }

  /** True when a client may send to the local actor at `path` ("/user/a", "/system/x/child"). */
  allows(path: string): boolean {
    if (path.startsWith("/user/")) return true;
    if (!path.startsWith("/system/")) return false;
    const end = path.indexOf("/", 8);
    return this.open.has(end < 0 ? path.slice(8) : path.slice(8, end));
  }
}
