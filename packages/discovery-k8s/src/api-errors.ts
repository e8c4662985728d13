/**
 * Turns the client's ApiException (whose message dumps headers and body) into an error that
 * says what the API server answered; the original stays reachable as `cause`.
 */
export function describeApiError(error: unknown): unknown {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code !== "number") return error;
  let body = (error as { body?: unknown }).body;
  if (typeof body === "string") {
    try {
      body = JSON.parse(body);
    } catch {
      // Not a Status object; keep the text.
    }
  }
  const message = (body as { message?: unknown } | undefined)?.message;
  const detail = typeof message === "string" ? message : typeof body === "string" && body.length < 200 ? body : "";
  const hint =
    code === 401
      ? " (check the kubeconfig credentials)"
      : code === 403
        ? " (the service account needs RBAC permission to list and watch pods)"
        : "";
  return new Error(`Kubernetes API answered ${code}${detail ? `: ${detail}` : ""}${hint}`, { cause: error });
}
