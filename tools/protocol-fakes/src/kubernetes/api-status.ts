/** A v1 Status object, the body of every API server error. */
export interface StatusJson {
  kind: "Status";
  apiVersion: "v1";
  metadata: Record<string, never>;
  status: "Failure";
  message: string;
  reason: string;
  details?: { name?: string; kind?: string; causes?: Array<{ reason: string; message: string }>; retryAfterSeconds?: number };
  code: number;
}

/** Builds a failure Status with the given HTTP code, reason and message. */
export function status(code: number, reason: string, message: string, details?: StatusJson["details"]): StatusJson {
  return { kind: "Status", apiVersion: "v1", metadata: {}, status: "Failure", message, reason, ...(details ? { details } : {}), code };
}

/** 401 for missing or rejected credentials, worded as kube-apiserver words it. */
export function unauthorized(): StatusJson {
  return status(401, "Unauthorized", "Unauthorized");
}

/** 403 from RBAC for a verb on pods, or for a non-resource path when `path` is given. */
export function forbidden(user: string, verb: string, target: { namespace: string; name?: string } | { path: string }): StatusJson {
  if ("path" in target) return status(403, "Forbidden", `forbidden: User "${user}" cannot ${verb} path "${target.path}"`, {});
  const subject = target.name === undefined ? "pods" : `pods "${target.name}"`;
  return status(
    403,
    "Forbidden",
    `${subject} is forbidden: User "${user}" cannot ${verb} resource "pods" in API group "" in the namespace "${target.namespace}"`,
    { ...(target.name === undefined ? {} : { name: target.name }), kind: "pods" },
  );
}

/** 404 for a pod that does not exist. */
export function podNotFound(name: string): StatusJson {
  return status(404, "NotFound", `pods "${name}" not found`, { name, kind: "pods" });
}

/** 404 for a path the server does not serve. */
export function pathNotFound(): StatusJson {
  return status(404, "NotFound", "the server could not find the requested resource", {});
}

/** The 410 a watch gets (as an ERROR event) when its resource version is older than the watch cache's history. */
export function tooOldResourceVersion(requested: number, oldest: number): StatusJson {
  return status(410, "Expired", `too old resource version: ${requested} (${oldest})`);
}

/** The 504 a get or list gets when its resource version is ahead of the server and it did not catch up in time. */
export function tooLargeResourceVersion(requested: number, current: number): StatusJson {
  return status(504, "Timeout", `Timeout: Too large resource version: ${requested}, current: ${current}`, {
    causes: [{ reason: "ResourceVersionTooLarge", message: "Too large resource version" }],
    retryAfterSeconds: 1,
  });
}

/** 400 with the given message. */
export function badRequest(message: string): StatusJson {
  return status(400, "BadRequest", message);
}
