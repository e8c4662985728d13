import schema from "./schema/management.schema.json" with { type: "json" };

/** The JSON schema (draft 2020-12) of every response of the endpoint, also published as @tsakt/management/schema.json. */
export const managementSchema: Readonly<Record<string, unknown>> = schema;
