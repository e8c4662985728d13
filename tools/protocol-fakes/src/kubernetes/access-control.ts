import { randomBytes } from "node:crypto";
import type { IncomingMessage } from "node:http";
import type { TLSSocket } from "node:tls";

/** The pod verbs the fake authorizes (and serves). */
export type PodVerb = "get" | "list" | "watch" | "delete";

/** Every pod verb the fake serves. */
export const allPodVerbs: readonly PodVerb[] = ["get", "list", "watch", "delete"];

/** What an identity may do with pods, as one RBAC Role (or ClusterRole) bound to it would allow. */
export interface PodGrant {
  /** Allowed verbs on pods. Default: ["get", "list", "watch"]. */
  verbs?: readonly PodVerb[];
  /** Namespaces the grant covers (a RoleBinding each). Default: every namespace (a ClusterRoleBinding). */
  namespaces?: readonly string[];
}

/** An authenticated (or anonymous) user, as the API server's authenticators produce it. */
export interface UserInfo {
  name: string;
  groups: string[];
}

/** The outcome of authentication: a user, or credentials that were presented and rejected (401). */
export type Authentication = { user: UserInfo } | { rejected: true };

const anonymous: UserInfo = { name: "system:anonymous", groups: ["system:unauthenticated"] };

/** Non-resource paths RBAC's default roles open to everyone (system:public-info-viewer) and to authenticated users (system:discovery). */
const publicPaths = new Set(["/version", "/healthz", "/livez", "/readyz"]);
const discoveryPaths = new Set(["/api", "/api/v1", "/apis"]);

/**
 * Authentication (client certificate, then bearer token, else anonymous) and a small RBAC model:
 * each user has at most one pod grant; the group system:masters may do everything, like cluster-admin.
 */
export class AccessControl {
  readonly #tokens = new Map<string, UserInfo>();
  readonly #grants = new Map<string, { verbs: Set<PodVerb>; namespaces: Set<string> | undefined }>();

  /** Creates a service account token (opaque, not a signed JWT) for "system:serviceaccount:<namespace>:<name>" with `grant`. */
  addServiceAccount(namespace: string, name: string, grant: PodGrant = {}, token = randomBytes(24).toString("base64url")): string {
    const user = `system:serviceaccount:${namespace}:${name}`;
    this.#tokens.set(token, {
      name: user,
      groups: ["system:serviceaccounts", `system:serviceaccounts:${namespace}`, "system:authenticated"],
    });
    this.grant(user, grant);
    return token;
  }

  /** Gives `user` the pod grant (replacing an earlier one). */
  grant(user: string, grant: PodGrant = {}): void {
    this.#grants.set(user, {
      verbs: new Set(grant.verbs ?? ["get", "list", "watch"]),
      namespaces: grant.namespaces === undefined ? undefined : new Set(grant.namespaces),
    });
  }

  /**
   * Authenticates like kube-apiserver's union of authenticators: a client certificate the CA verifies
   * names the user (CN) and groups (O); otherwise a known bearer token; a request with neither is
   * anonymous; credentials that all fail are rejected (401).
   */
  authenticate(req: IncomingMessage): Authentication {
    let rejected = false;
    const socket = req.socket as TLSSocket;
    const peer = typeof socket.getPeerCertificate === "function" ? socket.getPeerCertificate() : undefined;
    if (peer && Object.keys(peer).length > 0) {
      if (socket.authorized) {
        const organizations = peer.subject.O;
        const groups = organizations === undefined ? [] : Array.isArray(organizations) ? organizations : [organizations];
        return { user: { name: String(peer.subject.CN), groups: [...groups, "system:authenticated"] } };
      }
      rejected = true;
    }
    const header = req.headers.authorization;
    if (header !== undefined) {
      const token = /^Bearer\s+(\S+)\s*$/i.exec(header)?.[1];
      const user = token === undefined ? undefined : this.#tokens.get(token);
      if (user) return { user };
      rejected = true;
    }
    return rejected ? { rejected: true } : { user: anonymous };
  }

  /** Whether `user` may use `verb` on pods in `namespace`. */
  mayAccessPods(user: UserInfo, verb: PodVerb, namespace: string): boolean {
    if (user.groups.includes("system:masters")) return true;
    const grant = this.#grants.get(user.name);
    return grant?.verbs.has(verb) === true && (grant.namespaces === undefined || grant.namespaces.has(namespace));
  }

  /** Whether `user` may GET the non-resource `path` (version, health and discovery documents). */
  mayGetPath(user: UserInfo, path: string): boolean {
    if (user.groups.includes("system:masters") || publicPaths.has(path)) return true;
    return discoveryPaths.has(path) && user.groups.includes("system:authenticated");
  }
}
