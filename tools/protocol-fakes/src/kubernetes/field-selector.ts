import type { PodJson } from "./fake-pod.js";

/** One parsed field-selector term. */
export interface FieldRequirement {
  field: string;
  op: "=" | "!=";
  value: string;
}

/** A field selector the API server would refuse with 400; the message follows its wording. */
export class FieldSelectorError extends Error {}

/** The pod fields kube-apiserver lets a field selector use (a subset: those the fake's pods carry). */
const podFields: Record<string, (pod: PodJson) => string> = {
  "metadata.name": (p) => p.metadata.name,
  "metadata.namespace": (p) => p.metadata.namespace,
  "spec.nodeName": (p) => String(p.spec.nodeName ?? ""),
  "spec.restartPolicy": (p) => String(p.spec.restartPolicy ?? ""),
  "spec.serviceAccountName": (p) => String(p.spec.serviceAccountName ?? ""),
  "status.phase": (p) => String(p.status.phase ?? ""),
  "status.podIP": (p) => String(p.status.podIP ?? ""),
};

/** Parses "metadata.name=a,status.phase!=Failed"; "" selects everything. */
export function parseFieldSelector(selector: string): FieldRequirement[] {
  if (selector.trim() === "") return [];
  return selector.split(",").map((term): FieldRequirement => {
    const match = /^\s*([^!=\s]+)\s*(==|=|!=)\s*(.*?)\s*$/.exec(term);
    if (!match) throw new FieldSelectorError(`invalid selector: '${selector}'; can't understand '${term}'`);
    const [, field = "", op, value = ""] = match;
    if (!Object.hasOwn(podFields, field)) throw new FieldSelectorError(`field label not supported: ${field}`);
    return { field, op: op === "!=" ? "!=" : "=", value };
  });
}

/** True when `pod` satisfies every term. */
export function matchesFields(requirements: readonly FieldRequirement[], pod: PodJson): boolean {
  return requirements.every((r) => {
    const actual = podFields[r.field]?.(pod) ?? "";
    return r.op === "=" ? actual === r.value : actual !== r.value;
  });
}
