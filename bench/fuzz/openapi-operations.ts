/** The operations of the API as its live OpenAPI document (GET /api/openapi.json) describes them. */
import type { JsonSchema } from "./json-schema-arbitrary.js";

export type Security = "admin" | "client" | "none";

/** A query or header parameter. */
export interface Parameter {
  name: string;
  required: boolean;
  schema: JsonSchema;
}

export interface Operation {
  /** "POST /api/sweeps/{id}/units": the method and the path template, the key of every report. */
  key: string;
  method: string;
  template: string;
  /** The template's segments; `{name}` marks a path parameter. */
  segments: string[];
  query: Parameter[];
  /** Header parameters it documents (Idempotency-Key, say). */
  headers: Parameter[];
  /** The component its JSON request body is (`#/components/schemas/<name>`), if it takes one. */
  bodyComponent: string | null;
  security: Security;
  /** The statuses it documents. */
  statuses: number[];
}

export interface OpenApiDocument {
  paths: Record<string, Record<string, unknown>>;
  components: { schemas: Record<string, JsonSchema>; securitySchemes?: Record<string, unknown> };
}

const METHODS = ["get", "post", "put", "patch", "delete"];

export async function fetchDocument(origin: string): Promise<OpenApiDocument> {
  const response = await fetch(`${origin}/api/openapi.json`);
  if (response.status !== 200) throw new Error(`GET /api/openapi.json: ${response.status} ${await response.text()}`);
  return (await response.json()) as OpenApiDocument;
}

export function operationsOf(document: OpenApiDocument): Operation[] {
  const operations: Operation[] = [];
  for (const [template, item] of Object.entries(document.paths)) {
    for (const method of METHODS) {
      const operation = item[method] as Record<string, any> | undefined;
      if (!operation) continue;
      const parameters = [...((item.parameters as any[]) ?? []), ...((operation.parameters as any[]) ?? [])];
      const bodyRef: unknown = operation.requestBody?.content?.["application/json"]?.schema?.$ref;
      operations.push({
        key: `${method.toUpperCase()} ${template}`,
        method: method.toUpperCase(),
        template,
        segments: template.split("/").slice(1),
        query: parametersIn(parameters, "query"),
        headers: parametersIn(parameters, "header"),
        bodyComponent: typeof bodyRef === "string" ? bodyRef.replace(/^#\/components\/schemas\//, "") : null,
        security: securityOf(operation.security),
        statuses: Object.keys(operation.responses ?? {}).map(Number).filter(Number.isInteger),
      });
    }
  }
  return operations;
}

function parametersIn(parameters: any[], place: "query" | "header"): Parameter[] {
  return parameters.filter((p) => p.in === place).map((p) => ({ name: String(p.name), required: Boolean(p.required), schema: (p.schema ?? {}) as JsonSchema }));
}

/** The document names two bearer schemes, `admin` and `client`; an operation needs one or none. */
function securityOf(security: unknown): Security {
  const schemes = Array.isArray(security) ? security.flatMap((requirement) => Object.keys(requirement as object)) : [];
  if (schemes.includes("admin")) return "admin";
  if (schemes.includes("client")) return "client";
  return "none";
}

/**
 * What a path parameter names, from the segment before it (`/api/sweeps/{id}` → "sweeps"), so
 * requests can put a real id there. Null when the template does not say.
 */
export function collectionOf(operation: Operation, index: number): string | null {
  return index > 0 && !operation.segments[index - 1].startsWith("{") ? operation.segments[index - 1] : null;
}

export function pathParameterIndexes(operation: Operation): number[] {
  return operation.segments.flatMap((segment, i) => (segment.startsWith("{") ? [i] : []));
}

/** The token an operation needs, as a placeholder. */
export function tokenOf(operation: Operation): string | null {
  return operation.security === "admin" ? "${ADMIN}" : operation.security === "client" ? "${CLIENT}" : null;
}
