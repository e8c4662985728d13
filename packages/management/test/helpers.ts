import { managementSchema } from "@tsakt/management";
import { Ajv2020 } from "ajv/dist/2020.js";

const ajv = new Ajv2020({ allErrors: true, strict: true });
ajv.addSchema(managementSchema() as Record<string, unknown>, "management");

/** Throws unless `body` matches the schema's definition `name` (the published JSON schema of the responses). */
export function expectSchema(name: string, body: unknown): void {
  const validate = ajv.getSchema(`management#/$defs/${name}`);
  if (validate === undefined) throw new Error(`the schema has no definition ${name}`);
  if (!validate(body))
    throw new Error(`response does not match ${name}: ${ajv.errorsText(validate.errors)}\n${JSON.stringify(body).slice(0, 800)}`);
}

/** GET/PUT/... `path` of `base` as JSON, with the token when given. */
export async function call(
  base: string,
  path: string,
  options: { method?: string; token?: string; body?: unknown } = {},
): Promise<{ status: number; body: any; headers: Headers }> {
  const headers: Record<string, string> = {};
  if (options.token !== undefined) headers.authorization = `Bearer ${options.token}`;
  if (options.body !== undefined) headers["content-type"] = "application/json";
  const response = await fetch(base + path, {
    method: options.method ?? "GET",
    headers,
    ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) }),
  });
  const text = await response.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // Not JSON (metrics, pages): keep the text.
  }
  return { status: response.status, body, headers: response.headers };
}
