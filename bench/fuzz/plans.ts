/**
 * The requests fuzzed at each operation of the OpenAPI document: one fast-check arbitrary of request
 * plans (request-plan.ts; plain data, so a seed and a path reproduce a request) mixing seven kinds:
 *
 * - valid: what a well-behaved client sends (bodies from the fixtures or the schemas, real ids, the
 *   right token);
 * - schema: bodies and query values drawn from the document's schemas (conforming, but meaningless:
 *   a random run config, curves that contradict the summary), or a valid body with one part so drawn;
 * - mutated: a valid body with one edit (a field removed, a wrong type, a hostile number or string,
 *   nesting 10 to 100 000 deep, an unknown key, a key twice);
 * - hostile-body, hostile-query, hostile-headers, hostile-path: a valid request with that part
 *   replaced by something hostile (hostile-requests.ts).
 */
import fc from "fast-check";
import type { JsonPath, JsonTree, Mutation } from "./json-text.js";
import { hostileKey, hostileValue } from "./hostile-values.js";
import type { JsonSchema } from "./json-schema-arbitrary.js";
import { collectionOf, pathParameterIndexes, tokenOf, type Operation } from "./openapi-operations.js";
import { hostileBody, hostileHeaders, hostilePath, hostileQuery } from "./hostile-requests.js";
import { PLAN_KINDS, type BodyBase, type BodyPlan, type PathPart, type PlanContext, type PlanKind, type QueryPair, type QueryValue, type RequestPlan } from "./request-plan.js";
import { FIXTURE_CONFIG, REFERENCES } from "./world.js";

/** Relative frequency of each kind (the hostile ones together outweigh the valid). */
const WEIGHTS: Record<PlanKind, number> = { valid: 3, schema: 1, mutated: 3, "hostile-body": 2, "hostile-query": 1, "hostile-headers": 2, "hostile-path": 1 };

export function planArbitrary(operation: Operation, context: PlanContext): fc.Arbitrary<RequestPlan> {
  const valid = validPlan(operation, context);
  const byKind: Record<PlanKind, fc.Arbitrary<RequestPlan>> = {
    valid,
    schema: schemaPlan(operation, context, valid),
    mutated: operation.bodyComponent === null ? hostileQuery(operation, valid) : mutatedPlan(valid),
    "hostile-body": hostileBody(operation, context, valid),
    "hostile-query": hostileQuery(operation, valid),
    "hostile-headers": hostileHeaders(operation, valid),
    "hostile-path": hostilePath(operation, valid),
  };
  // Unbiased: fast-check's bias toward "small" choices early in a run would otherwise pick some kinds far more often than their weight says.
  const total = PLAN_KINDS.reduce((sum, kind) => sum + WEIGHTS[kind], 0);
  return fc.noBias(fc.integer({ min: 0, max: total - 1 })).chain((ticket) => {
    let rest = ticket;
    const kind = PLAN_KINDS.find((k) => (rest -= WEIGHTS[k]) < 0)!;
    return byKind[kind];
  });
}

function validPlan(operation: Operation, context: PlanContext): fc.Arbitrary<RequestPlan> {
  const token = tokenOf(operation);
  const headerParameters = operation.headers.map((p) => fc.option(context.schemas.of(p.schema).map((v): [string, string] => [p.name, String(v)]), { nil: null, freq: p.required ? 0 : 2 }));
  return fc
    .record({
      path: fc.tuple(...pathParameterIndexes(operation).map((i) => validPathPart(operation, i))),
      query: validQuery(operation, context),
      network: fc.integer({ min: 0, max: 63 }),
      fresh: operation.security === "client" ? fc.boolean() : fc.constant(false),
      extraHeaders: fc.tuple(...headerParameters),
      body: operation.bodyComponent === null ? fc.constant(null) : validBody(operation.bodyComponent, context).map((base): BodyPlan => ({ base, wire: { kind: "utf8" } })),
    })
    .map(({ path, query, network, fresh, extraHeaders, body }) => {
      const headers: [string, string][] = [["cf-connecting-ip", operation.security === "client" ? "${ADDRESS}" : `\${NET:${network}}`]];
      if (token) headers.push(["authorization", `Bearer ${token}`]);
      if (body) headers.push(["content-type", "application/json"]);
      for (const header of extraHeaders) if (header) headers.push(header);
      return { kind: "valid" as PlanKind, path, suffix: "", query, headers, body, chunked: false, actor: fresh ? "fresh" : "acting", note: "" } satisfies RequestPlan;
    });
}

function validPathPart(operation: Operation, index: number): fc.Arbitrary<PathPart> {
  const collection = collectionOf(operation, index);
  if (collection === "leases") return fc.constantFrom<PathPart>({ ref: "lease:own-live" }, { ref: "lease:own-live" }, { ref: "lease:own-live" }, { ref: "lease:own-completed" }, { ref: "lease:other-live" });
  if (collection === "sweeps" || collection === "units") return fc.constantFrom(...REFERENCES[collection]).map((ref): PathPart => ({ ref }));
  return fc.uuid().map((raw): PathPart => ({ raw }));
}

/** Each documented parameter (the required always, the others sometimes) with a conforming value; `sweep` names a real sweep. */
function validQuery(operation: Operation, context: PlanContext): fc.Arbitrary<QueryPair[]> {
  const pairs = operation.query.map((parameter) => {
    const value: fc.Arbitrary<QueryValue> =
      parameter.name === "sweep" ? fc.constantFrom(...REFERENCES.sweeps).map((ref) => ({ ref })) : context.schemas.of(parameter.schema).map((v) => ({ text: String(v) }));
    return fc.option(value.map((v): QueryPair => ({ key: parameter.name, value: v })), { nil: null, freq: parameter.required ? 0 : 1 });
  });
  return fc.tuple(...pairs).map((list) => list.filter((pair): pair is QueryPair => pair !== null));
}

const nonNegative = fc.double({ min: 0, max: 1e3, noNaN: true });
const unit = fc.double({ min: 0, max: 1, noNaN: true });
const curvePoint: fc.Arbitrary<JsonTree> = fc.record({
  step: fc.integer({ min: 0, max: FIXTURE_CONFIG.steps }),
  trainLoss: fc.option(nonNegative, { nil: null }),
  trainAccuracy: unit,
  testLoss: fc.option(nonNegative, { nil: null }),
  testAccuracy: unit,
  weightNorm: fc.option(nonNegative, { nil: null }),
  embeddingNorm: fc.option(nonNegative, { nil: null }),
  otherNorm: fc.option(nonNegative, { nil: null }),
});

/** Axes a valid sweep may have over FIXTURE_CONFIG: at most 3 × 3 × 3 units × 3 seeds. */
const AXES = [
  fc.uniqueArray(fc.double({ min: 0, max: 10, noNaN: true }), { minLength: 1, maxLength: 3 }).map((values) => ({ path: "optimizer.weightDecay", values })),
  fc.uniqueArray(fc.double({ min: 1e-5, max: 0.1, noNaN: true }), { minLength: 1, maxLength: 3 }).map((values) => ({ path: "optimizer.lr", values })),
  fc.uniqueArray(fc.integer({ min: 10, max: 40 }), { minLength: 1, maxLength: 3 }).map((values) => ({ path: "steps", values })),
];

const validSweep: fc.Arbitrary<JsonTree> = fc
  .record(
    {
      name: fc.string({ unit: "grapheme", minLength: 1, maxLength: 60 }),
      baseConfig: fc.constant(FIXTURE_CONFIG as unknown as JsonTree),
      axes: fc.subarray(AXES, { maxLength: 3 }).chain((axes) => fc.tuple(...axes)),
      seeds: fc.uniqueArray(fc.integer({ min: 0, max: 2 ** 32 - 1 }), { minLength: 1, maxLength: 3 }),
      quorum: fc.integer({ min: 1, max: 5 }),
      gpuReplicas: fc.integer({ min: 0, max: 3 }),
      phase: fc.record({ trainAccuracy: fc.double({ min: 0.5, max: 1, noNaN: true }), grokkingDelay: fc.integer({ min: 0, max: 5000 }) }, { requiredKeys: [] }),
    },
    { requiredKeys: ["name", "baseConfig", "seeds"] },
  ) as fc.Arbitrary<JsonTree>;

/** A body the operation accepts: fixtures for the bodies that need real ids or a real result, the schema for the rest. */
function validBody(component: string, context: PlanContext): fc.Arbitrary<BodyBase> {
  const tree = (arbitrary: fc.Arbitrary<unknown>) => arbitrary.map((value): BodyBase => ({ tree: value as JsonTree }));
  switch (component) {
    case "CreateSweep":
      return tree(validSweep);
    case "SubmitResult":
      return fc.constant({ submission: true });
    case "Progress":
      // A step within the run, and sometimes the metrics at it. Drawn by hand: the document's CurvePoint
      // omits the accuracies' 0–1 range and the losses' and norms' lower bound (zod's JSON Schema of a
      // pipe, in the input view, is its first stage only), so values drawn from it are mostly refused.
      return tree(fc.record({ step: fc.integer({ min: 0, max: FIXTURE_CONFIG.steps }), metrics: curvePoint }, { requiredKeys: ["step"] }));
    default:
      return tree(context.schemas.component(component));
  }
}

/**
 * A valid request of the operation with a small chunked JSON body (no Content-Length): for a GET,
 * what the fuzzing itself leaves out (hostile-requests.ts), sent once at the end of a run.
 */
export function chunkedBodyPlan(operation: Operation, context: PlanContext): fc.Arbitrary<RequestPlan> {
  return validPlan(operation, context).map((plan) => ({
    ...plan,
    kind: "hostile-body" as PlanKind,
    headers: [...plan.headers.filter(([name]) => name !== "content-type"), ["content-type", "application/json"]],
    body: { base: { tree: { a: 1 } }, wire: { kind: "utf8" } },
    chunked: true,
    note: `a chunked body on a ${operation.method}`,
  }));
}

/** Bodies (or, without one, query values) drawn from the document's schemas. */
function schemaPlan(operation: Operation, context: PlanContext, valid: fc.Arbitrary<RequestPlan>): fc.Arbitrary<RequestPlan> {
  const component = operation.bodyComponent;
  if (component === null) {
    const query = fc.tuple(...operation.query.map((p) => context.schemas.of(p.schema).map((v): QueryPair => ({ key: p.name, value: { text: String(v) } }))));
    return fc.tuple(valid, query).map(([plan, pairs]) => ({ ...plan, kind: "schema" as PlanKind, query: pairs, note: "query values from the schemas" }));
  }
  const whole = context.schemas.component(component).map((tree) => ({ base: { tree: tree as JsonTree }, note: `${component} from its schema` }));
  const parts = overlayPoints(component, context);
  const overlaid =
    parts.length === 0
      ? whole
      : fc.constantFrom(...parts).chain(({ path, schema }) => context.schemas.of(schema).map((tree) => ({ overlay: { path, tree: tree as JsonTree }, note: `valid ${component} with ${path.join(".")} from its schema` })));
  return fc.tuple(valid, fc.oneof(whole, overlaid, overlaid)).map(([plan, drawn]) => ({
    ...plan,
    kind: "schema" as PlanKind,
    body: { ...plan.body!, ...("base" in drawn ? { base: drawn.base } : { overlay: drawn.overlay }) },
    note: drawn.note,
  }));
}

/**
 * The object properties of a component down to two levels (`result.summary`, `timings`), each with
 * its schema, where a schema-drawn value can replace a valid body's part. A run config's free-form
 * stand-in (CreateSweep's `baseConfig`, a record of anything) is drawn as a RunConfig instead.
 */
function overlayPoints(component: string, context: PlanContext): { path: JsonPath; schema: JsonSchema }[] {
  const points: { path: JsonPath; schema: JsonSchema }[] = [];
  const resolve = (schema: JsonSchema): JsonSchema => (typeof schema.$ref === "string" ? resolve(context.components[schema.$ref.replace("#/components/schemas/", "")] ?? {}) : schema);
  const visit = (schema: JsonSchema, path: JsonPath) => {
    const properties = resolve(schema).properties as Record<string, JsonSchema> | undefined;
    for (const [key, property] of Object.entries(properties ?? {})) {
      const free = key === "baseConfig" && context.components.RunConfig !== undefined;
      points.push({ path: [...path, key], schema: free ? context.components.RunConfig : property });
      if (path.length === 0) visit(property, [key]);
    }
  };
  visit(context.components[component] ?? {}, []);
  return points;
}

function mutatedPlan(valid: fc.Arbitrary<RequestPlan>): fc.Arbitrary<RequestPlan> {
  const at = fc.nat();
  const mutation: fc.Arbitrary<Mutation> = fc.oneof(
    fc.record({ op: fc.constant("remove" as const), at }),
    fc.record({ op: fc.constant("replace" as const), at, value: hostileValue }),
    fc.record({ op: fc.constant("replace" as const), at, value: hostileValue }),
    fc.record({ op: fc.constant("add-key" as const), at, key: hostileKey, value: hostileValue }),
    fc.record({ op: fc.constant("duplicate-key" as const), at, value: hostileValue }),
  );
  return fc.tuple(valid, mutation).map(([plan, m]) => ({ ...plan, kind: "mutated" as PlanKind, body: { ...plan.body!, mutation: m } }));
}
