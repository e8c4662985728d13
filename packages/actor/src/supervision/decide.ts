import type { Directive, SupervisorOptions } from "./options.js";

/** The directive `options` gives for `error`: the first rule whose class matches, else the default directive. */
export function decide(options: SupervisorOptions | undefined, error: unknown): Directive {
  const rules = options?.rules;
  if (rules !== undefined) for (const [cls, directive] of rules) if (error instanceof cls) return directive;
  return options?.directive ?? "restart";
}
