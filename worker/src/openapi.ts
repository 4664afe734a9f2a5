/**
 * GET /api/openapi.json — the API described for researchers' tools. Request and response bodies and
 * query parameters are generated from the zod schemas the routes validate with and reply by
 * (schema.ts, and the engine's run config and result), so the document cannot drift from them.
 * Component schemas describe what the schemas accept (zod's "input" view: defaults may be omitted).
 */
import { Hono } from "hono";
import { z } from "zod";
import { runConfigSchema } from "../../src/config/run-config.js";
import { curvePointSchema, runMetaSchema, runResultSchema, runSummarySchema } from "../../src/config/run-result.js";
import type { AppEnv } from "./env.js";
import { MAX_JSON_DEPTH } from "./json-body.js";
import {
  aggregatesQuerySchema,
  clientResultsReplySchema,
  createSweepSchema,
  errorBodySchema,
  leaseQuerySchema,
  leaseReplySchema,
  leaseSchema,
  MAX_BODY_BYTES,
  progressReplySchema,
  progressSchema,
  registerClientSchema,
  registeredClientSchema,
  resultReplySchema,
  runsQuerySchema,
  submitResultSchema,
  sweepRunSchema,
  sweepRunsReplySchema,
  unitCurvesSchema,
  unitsQuerySchema,
} from "./schema.js";

// $ZodType, not classic ZodType: the engine's schemas are zod/mini; both kinds share zod 4's core, which toJSONSchema reads.
const COMPONENTS = {
  RunConfig: runConfigSchema,
  CurvePoint: curvePointSchema,
  RunSummary: runSummarySchema,
  RunMeta: runMetaSchema,
  RunResult: runResultSchema,
  CreateSweep: createSweepSchema,
  RegisterClient: registerClientSchema,
  RegisteredClient: registeredClientSchema,
  Lease: leaseSchema,
  LeaseReply: leaseReplySchema,
  Progress: progressSchema,
  ProgressReply: progressReplySchema,
  SubmitResult: submitResultSchema,
  ResultReply: resultReplySchema,
  UnitCurves: unitCurvesSchema,
  SweepRun: sweepRunSchema,
  SweepRuns: sweepRunsReplySchema,
  ClientResults: clientResultsReplySchema,
  Error: errorBodySchema,
} satisfies Record<string, z.core.$ZodType>;
type Component = keyof typeof COMPONENTS;

const schemaUri = (id: string) => `#/components/schemas/${id}`;
const JSON_SCHEMA_OPTIONS = { io: "input", unrepresentable: "any" } as const;

/** Every component, with references between them (a RunResult's config is a $ref to RunConfig). */
function componentSchemas(): Record<string, unknown> {
  const registry = z.registry<{ id: string }>();
  for (const [id, schema] of Object.entries(COMPONENTS)) registry.add(schema, { id });
  const { schemas } = z.toJSONSchema(registry, { ...JSON_SCHEMA_OPTIONS, uri: schemaUri });
  // Each comes as a standalone JSON Schema document; inside OpenAPI they are plain schema objects.
  return Object.fromEntries(Object.entries(schemas).map(([id, { $schema: _, $id: __, ...schema }]) => [id, schema]));
}

const json = (id: Component) => ({ content: { "application/json": { schema: { $ref: schemaUri(id) } } } });
const body = (id: Component) => ({ required: true, ...json(id) });
const reply = (description: string, id: Component) => ({ description, ...json(id) });
const error = (description: string) => reply(description, "Error");
/** A 429 and its Retry-After header. */
function rateLimitedReply(description: string) {
  return { ...error(description), headers: { "Retry-After": { description: "seconds to wait before asking again", schema: { type: "integer", minimum: 1 } } } };
}
const errors = {
  400: error(`invalid input: \`issues\` name each bad field (invalid_body, invalid_query, config_mismatch, backend_mismatch, …); too_deep: a JSON body nested more than ${MAX_JSON_DEPTH} levels`),
  401: error("missing, malformed, forged or unknown token; token_expired: refresh it (POST /api/clients/me/token)"),
  403: error("wrong admin token, or another client's lease"),
  404: error("no such sweep, unit, lease or route"),
  409: error("too late: the lease expired and the unit no longer needs this result"),
  413: error(`request body over ${MAX_BODY_BYTES} bytes`),
  429: rateLimitedReply("rate_limited: over a rate limit (per client or per network) or, for leases, the daily lease quota; the message names it"),
};
const admin = [{ admin: [] }];
const client = [{ client: [] }];

/** The query string's parameters, one per field of its zod schema. */
function queryParameters(schema: z.ZodObject) {
  return Object.entries(schema.shape).map(([name, field]) => {
    const { $schema: _, ...fieldSchema } = z.toJSONSchema(field, JSON_SCHEMA_OPTIONS);
    return { name, in: "query", required: !field.safeParse(undefined).success, schema: fieldSchema };
  });
}

/** The `{name}` segments of a path template, declared as string path parameters. */
function pathParameters(path: string) {
  return [...path.matchAll(/\{(\w+)\}/g)].map(([, name]) => ({ name, in: "path", required: true, schema: { type: "string" } }));
}

const PATHS: Record<string, Record<string, object>> = {
  "/api/sweeps": {
    post: { summary: "Create a sweep: base config × grid axes × seeds", security: admin, requestBody: body("CreateSweep"), responses: { 201: { description: "the sweep and its unit count" }, 400: errors[400], 401: errors[401], 403: errors[403], 413: errors[413] } },
    get: { summary: "List sweeps with unit counts", responses: { 200: { description: "sweeps" } } },
  },
  "/api/sweeps/{id}": { get: { summary: "One sweep with counts (pending, leased, awaiting quorum, validated, failed)", responses: { 200: { description: "the sweep" }, 404: errors[404] } } },
  "/api/sweeps/{id}/units": {
    get: {
      summary: "One page of the sweep's units with config, replicas needed, leases and results (params hashes only once the unit is validated or failed)",
      parameters: queryParameters(unitsQuerySchema),
      responses: { 200: { description: "units" }, 400: errors[400], 404: errors[404] },
    },
  },
  "/api/sweeps/{id}/aggregates": {
    get: { summary: "Per grid cell over seeds: medians and spreads, phase labels; JSON or CSV", parameters: queryParameters(aggregatesQuerySchema), responses: { 200: { description: "cells (JSON), or text/csv" }, 400: errors[400], 404: errors[404] } },
  },
  "/api/sweeps/{id}/runs": {
    get: {
      summary: "One page of the runs behind the sweep's published results, with curves: each validated unit's validated run; with include=approximate also its GPU runs (approximate-accepted or -rejected)",
      parameters: queryParameters(runsQuerySchema),
      responses: { 200: reply("the sweep, its axes and a page of runs", "SweepRuns"), 400: errors[400], 404: errors[404] },
    },
  },
  "/api/units/{id}/curves": { get: { summary: "One unit's validated curves and summary", responses: { 200: reply("the validated run", "UnitCurves"), 404: errors[404] } } },
  "/api/stats": { get: { summary: "Volunteers active, units validated, steps and FLOPs contributed, leaderboard", responses: { 200: { description: "stats" } } } },
  "/api/clients": {
    post: { summary: "Register a volunteer; returns a signed client token and its expiry", requestBody: body("RegisterClient"), responses: { 201: reply("clientId, token and expiresAt", "RegisteredClient"), 400: errors[400], 413: errors[413], 429: errors[429] } },
  },
  "/api/clients/me/token": {
    post: {
      summary: "A fresh token for the calling client; its token may have expired up to 30 days ago",
      security: client,
      responses: { 200: reply("clientId, the new token and expiresAt", "RegisteredClient"), 401: error("missing, malformed, forged or unknown token; token_expired_for_good: expired over 30 days ago, register again"), 429: errors[429] },
    },
  },
  "/api/clients/me/results": {
    get: { summary: "The calling volunteer's results (at most 100, newest first) with their verdicts and units' states", security: client, responses: { 200: reply("results", "ClientResults"), 401: errors[401] } },
  },
  "/api/leases": {
    post: {
      summary:
        "Lease the next work unit for one of the backends offered (GPU work first to a client offering tfjs-webgpu; 204 when there is none), at most the client's cap of live leases at once (2 + up to 2 for cores + 1 for a GPU + up to 4 for trust); once per Idempotency-Key",
      security: client,
      parameters: [
        ...queryParameters(leaseQuerySchema),
        {
          name: "Idempotency-Key",
          in: "header",
          required: false,
          description: "A fresh key per lease attempt, sent again on its retries: while its lease is live the same key answers that lease (200), never a second one",
          schema: { type: "string", pattern: "^[A-Za-z0-9_-]{1,100}$" },
        },
      ],
      responses: {
        200: reply("the live lease this Idempotency-Key already leased", "LeaseReply"),
        201: reply("lease with config and deadline (the heartbeat timeout from now)", "LeaseReply"),
        204: { description: "no work" },
        400: errors[400],
        401: errors[401],
        404: errors[404],
        409: error("idempotency_key_spent: the key's lease has expired or been completed; send a fresh key"),
        429: { ...error("lease_cap: the client holds its cap of live leases (named in the message); ask again after Retry-After. rate_limited: over a rate limit or the daily lease quota (named in the message)"), headers: { "Retry-After": { description: "seconds until the client's earliest lease would expire (lease_cap), or until the limit lets the client ask again (rate_limited)", schema: { type: "integer" } } } },
      },
    },
  },
  "/api/leases/{id}/progress": {
    post: {
      summary: "Report progress; a step beyond the last reported one extends the deadline by the heartbeat timeout (the same step again does not: reason step_not_advanced); says stop if the unit is complete",
      security: client,
      requestBody: body("Progress"),
      responses: {
        200: reply("stop, or the new deadline, or step_not_advanced", "ProgressReply"),
        400: errors[400],
        401: errors[401],
        403: errors[403],
        404: errors[404],
        409: error("step_backwards: the step is before the lease's last reported step"),
        413: errors[413],
        429: errors[429],
      },
    },
  },
  "/api/leases/{id}/result": {
    post: {
      summary:
        "Report the result (idempotent); refused (400 inconsistent_result, naming the field and the value expected) unless consistent with its config and itself: curves at the engine's evaluation steps, norms adding up, and a summary equal to the one the API derives from the curves, resultDigest included (SHA-256 of paramsHash and the canonical curves: what quorums compare)",
      security: client,
      requestBody: body("SubmitResult"),
      responses: { 200: reply("stored earlier; its verdict", "ResultReply"), 201: reply("stored; its verdict", "ResultReply"), 400: errors[400], 401: errors[401], 403: errors[403], 404: errors[404], 409: errors[409], 413: errors[413], 429: errors[429] },
    },
  },
  "/api/openapi.json": { get: { summary: "This document", responses: { 200: { description: "OpenAPI 3.1" } } } },
};

export function openApiDocument() {
  return {
    openapi: "3.1.0",
    info: { title: "grokedge edge API", version: "1", description: "Sweeps of grokking runs computed by volunteers' browsers, validated by quorum." },
    components: {
      securitySchemes: {
        admin: { type: "http", scheme: "bearer", description: "ADMIN_TOKEN from the server's environment" },
        client: { type: "http", scheme: "bearer", description: "client token from POST /api/clients" },
      },
      schemas: componentSchemas(),
    },
    paths: Object.fromEntries(Object.entries(PATHS).map(([path, item]) => [path, pathParameters(path).length > 0 ? { parameters: pathParameters(path), ...item } : item])),
  };
}

export const openapi = new Hono<AppEnv>().get("/openapi.json", (c) => c.json(openApiDocument()));
