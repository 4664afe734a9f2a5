/** What a fuzzed request is before it is sent (plans.ts makes them, materialize.ts sends them). */
import type { SchemaArbitraries, JsonSchema } from "./json-schema-arbitrary.js";
import type { JsonPath, JsonTree, Mutation } from "./json-text.js";

export const PLAN_KINDS = ["valid", "schema", "mutated", "hostile-body", "hostile-query", "hostile-headers", "hostile-path"] as const;
export type PlanKind = (typeof PLAN_KINDS)[number];

/** A path parameter: a fixture reference, or text sent verbatim (already percent-encoded). */
export type PathPart = { ref: string } | { raw: string };
/** A query value: a fixture reference, text (percent-encoded when sent), or bytes sent verbatim. */
export type QueryValue = { ref: string } | { text: string } | { raw: string };
export interface QueryPair {
  /** Sent verbatim. */
  key: string;
  /** null: the key alone, without `=`. */
  value: QueryValue | null;
}

/** Where a body starts: a tree, or the real result submission of the world (for the lease's unit). */
export type BodyBase = { tree: JsonTree } | { submission: true };

/** How the serialised body goes on the wire. */
export type Wire =
  | { kind: "utf8" }
  /** Padded with spaces to this many bytes (around the body limit). */
  | { kind: "pad"; size: number }
  /** These bytes in place of the INVALID_UTF8_MARKER string a mutation put in. */
  | { kind: "invalid-utf8"; bytes: number[] }
  | { kind: "bom" }
  | { kind: "utf16le" }
  /** Only the first `keep` (0–1) of it. */
  | { kind: "truncate"; keep: number }
  | { kind: "append"; text: string };

export interface BodyPlan {
  base: BodyBase;
  /** A schema-drawn value put at a path of the base (the "schema" kind). */
  overlay?: { path: JsonPath; tree: JsonTree };
  mutation?: Mutation;
  wire: Wire;
}

export interface RequestPlan {
  kind: PlanKind;
  /** One per `{param}` of the template, in order. */
  path: PathPart[];
  /** Appended verbatim to the path ("/..", "//", "%20"). */
  suffix: string;
  query: QueryPair[];
  /**
   * In order, repeats allowed. Values may hold placeholders (materialize.ts): ${ADMIN}, ${CLIENT},
   * ${OTHER} (tokens), ${CLIENT_ID}, ${ADDRESS} (the acting volunteer's network), ${NET:n}, time
   * stamps, ${SIGN:payload} (the server's HMAC of payload).
   */
  headers: [string, string][];
  body: BodyPlan | null;
  chunked: boolean;
  /**
   * Who sends it: the acting volunteer, or a freshly registered one (who holds no leases yet and has
   * spent none of its per-client allowances, so a valid request can get past the lease cap and rate limits).
   */
  actor: "acting" | "fresh";
  /** What is hostile about it, for the report. */
  note: string;
}

export interface PlanContext {
  schemas: SchemaArbitraries;
  components: Record<string, JsonSchema>;
  /** The body size limit the document states (its 413), or 1 MiB. */
  bodyLimit: number;
  /** The nesting limit the document states (its 400's too_deep), if it states one. */
  depthLimit: number | null;
}
