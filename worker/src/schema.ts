/**
 * Request and response bodies and query strings of the API, as zod schemas: the routes validate
 * requests with them, their replies are checked against them (`satisfies`), and the OpenAPI document
 * is generated from them. The run config and the run result are the engine's own schemas, imported,
 * never redefined; they are zod/mini schemas (no methods: wrap them, `z.optional(curvePointSchema)`),
 * which nest in these classic ones because both are zod 4 core types. No Workers types here: the
 * volunteer page imports its types from this file.
 */
import { z } from "zod";
import { runConfigSchema } from "../../src/config/run-config.js";
import { curvePointSchema, runMetaSchema, runResultSchema, runSummarySchema } from "../../src/config/run-result.js";
import { LEASE_BACKENDS, RESULT_STATUSES, UNIT_STATUSES, type LeaseBackend } from "./validation.js";

/** Largest request body accepted. */
export const MAX_BODY_BYTES = 1 << 20;
/** Most work units one sweep may have. */
export const MAX_UNITS_PER_SWEEP = 5000;
/**
 * Most evaluations (curve points) one unit's run may make, so that its result fits in a request.
 * A curve point is at most 286 bytes of JSON (measured: its 8 keys, and 8 numbers of at most 24
 * characters, the longest a double prints as, e.g. -1.2345678901234567e-100), 244 for typical
 * values; 2000 points are at most 572 KB, leaving over 450 KB of the 1 MiB limit for the config,
 * summary, meta and timings (a few KB). tests/worker/result-size.test.ts checks the bound.
 */
export const MAX_EVALUATIONS_PER_UNIT = 2000;

// ---- requests ------------------------------------------------------------------------------------

/** Thresholds of the phase labels, after Liu et al. 2022 (comprehension, grokking, memorization, confusion). */
export const phaseThresholdsSchema = z.strictObject({
  /** Train accuracy at or above this counts as fitted. */
  trainAccuracy: z.number().gt(0).max(1).default(0.99),
  /** Test accuracy at or above this counts as generalized. */
  testAccuracy: z.number().gt(0).max(1).default(0.99),
  /** A generalization later than memorization by more than this many steps is grokking; within it, comprehension. */
  grokkingDelay: z.number().int().nonnegative().default(1000),
});

/** A value a grid axis takes (what the config field at its path is set to). */
const axisValueSchema = z.union([z.number(), z.string(), z.boolean()]);

export const createSweepSchema = z.strictObject({
  name: z.string().min(1).max(200),
  /** A run config (validated per unit after the axes are applied). */
  baseConfig: z.record(z.string(), z.unknown()),
  /** Grid axes: dotted config paths and their values; the units are the cartesian product × seeds. */
  axes: z
    .array(z.strictObject({ path: z.string().regex(/^[A-Za-z]\w*(\.[A-Za-z]\w*)*$/, "expected a dotted config path like optimizer.weightDecay"), values: z.array(axisValueSchema).min(1).max(100) }))
    .max(6)
    .default([]),
  seeds: z.array(z.number().int().min(0).max(2 ** 32 - 1)).min(1).max(100),
  quorum: z.number().int().min(1).max(5).default(2),
  /**
   * GPU (tfjs-webgpu) results to collect per unit beside the quorum: approximate runs compared with the
   * validated one. 0: the sweep's units never go to GPU clients.
   */
  gpuReplicas: z.number().int().min(0).max(3).default(0),
  // prefault: an omitted `phase` is parsed as {}, so it gets the thresholds' own defaults.
  phase: phaseThresholdsSchema.prefault({}),
});

export const registerClientSchema = z.strictObject({
  simd: z.boolean(),
  threads: z.boolean(),
  cores: z.number().int().min(1).max(1024),
  webgpu: z.boolean(),
  userAgent: z.string().max(500),
});

export const progressSchema = z.strictObject({
  /** Steps done; at most the unit's configured steps. */
  step: z.number().int().nonnegative(),
  metrics: z.optional(curvePointSchema),
});

export const submitResultSchema = z.strictObject({
  result: runResultSchema,
  timings: z.strictObject({
    /** Seconds from lease to result, as the client measured it. */
    wallSeconds: z.number().nonnegative().refine(Number.isFinite, "expected a finite number"),
    /** Seconds spent loading the engine before training. */
    setupSeconds: z.number().nonnegative().refine(Number.isFinite, "expected a finite number").optional(),
  }),
});

const backendList = new RegExp(`^(${LEASE_BACKENDS.join("|")})(,(${LEASE_BACKENDS.join("|")}))*$`);

/**
 * POST /api/leases: `?sweep=<id>` takes work of that sweep only (a volunteer page for one study);
 * `?backends=wasm-simd,tfjs-webgpu` says which backends the client can train with (default wasm-simd).
 */
export const leaseQuerySchema = z.strictObject({
  sweep: z.string().min(1).max(100).optional(),
  backends: z
    .string()
    .regex(backendList, `expected a comma-separated list (no spaces) of ${LEASE_BACKENDS.join(", ")}`)
    .default("wasm-simd")
    .transform((list) => [...new Set(list.split(","))] as LeaseBackend[]),
});

/** GET /api/sweeps/:id/units: one page of the sweep's units. */
export const unitsQuerySchema = z.strictObject({
  limit: z.coerce.number().int().min(1).max(1000).default(100),
  offset: z.coerce.number().int().min(0).default(0),
});

/**
 * GET /api/sweeps/:id/runs: one page of the runs behind the sweep's published results (units in grid
 * order; each validated run, then with `include=approximate` its unit's approximate GPU runs).
 */
export const runsQuerySchema = z.strictObject({
  /** At most 100 runs a page: each carries its curves (up to MAX_EVALUATIONS_PER_UNIT points, ≤ 0.57 MB of JSON), and a Worker has 128 MB. */
  limit: z.coerce.number().int().min(1).max(100).default(50),
  offset: z.coerce.number().int().min(0).default(0),
  include: z.enum(["approximate"]).optional(),
});

/** GET /api/sweeps/:id/aggregates: JSON (default) or CSV. */
export const aggregatesQuerySchema = z.strictObject({ format: z.enum(["json", "csv"]).default("json") });

// ---- responses -----------------------------------------------------------------------------------

/** POST /api/clients and POST /api/clients/me/token: the client, its token and when the token expires. */
export const registeredClientSchema = z.strictObject({
  clientId: z.string(),
  /** v1.<clientId>.<expiresAtMs>.<signature>: `Authorization: Bearer <token>` on the client routes. */
  token: z.string(),
  /** Unix milliseconds; after it, POST /api/clients/me/token exchanges the token for a fresh one (for 30 more days). */
  expiresAt: z.number().int(),
});

export const leaseSchema = z.strictObject({
  id: z.string(),
  unitId: z.string(),
  /** Unix milliseconds: the heartbeat timeout from now; progress reports whose step advances extend it. */
  deadline: z.number().int(),
  /** The unit's full run config (defaults filled in): the result must be for exactly this config. */
  config: runConfigSchema,
  /** The backend the client must train with: its result's meta.backend must be this one. */
  backend: z.enum(LEASE_BACKENDS),
});
export const leaseReplySchema = z.strictObject({ lease: leaseSchema });

export const progressReplySchema = z.strictObject({
  stop: z.boolean(),
  /**
   * Why to stop: unit_validated, unit_failed, lease_expired, lease_completed; or, not stopping,
   * step_not_advanced: the step was not beyond the last reported one, so the deadline was not extended.
   */
  reason: z.string().optional(),
  /** The extended deadline (when not stopping and the step advanced). */
  deadline: z.number().int().optional(),
});

export const resultVerdictSchema = z.strictObject({
  id: z.string(),
  status: z.enum(RESULT_STATUSES),
  unit: z.strictObject({ id: z.string(), status: z.enum(UNIT_STATUSES) }),
});
export const resultReplySchema = z.strictObject({ result: resultVerdictSchema });

export const unitCurvesSchema = z.strictObject({ unitId: z.string(), curves: z.array(curvePointSchema), summary: runSummarySchema, meta: runMetaSchema });

/** A run behind a sweep's published results (GET /api/sweeps/:id/runs). */
export const sweepRunSchema = z.strictObject({
  unitId: z.string(),
  resultId: z.string(),
  /** The unit's grid cell: its axis values, in axis order. */
  cell: z.array(axisValueSchema),
  seed: z.number().int(),
  backend: runMetaSchema.shape.backend,
  /** "valid": the unit's validated run; the approximate ones are GPU runs compared with it. */
  status: z.enum(["valid", "approximate-accepted", "approximate-rejected"]),
  /** For the validated run, the unit's validated hash (what a visitor re-verifies against). */
  paramsHash: z.string(),
  /** The summary the API derived from the curves; its resultDigest (the quorum's) covers paramsHash and the curves. */
  summary: runSummarySchema,
  curves: z.array(curvePointSchema),
});
export const sweepRunsReplySchema = z.strictObject({
  sweep: z.strictObject({ id: z.string(), name: z.string() }),
  /** The axes' config paths; a run's `cell` lists their values in this order. */
  axes: z.array(z.string()),
  runs: z.array(sweepRunSchema),
});

/** One of the calling volunteer's results (GET /api/clients/me/results). */
export const clientResultSchema = z.strictObject({
  id: z.string(),
  unitId: z.string(),
  sweepId: z.string(),
  sweepName: z.string(),
  backend: runMetaSchema.shape.backend,
  /** The result's verdict. */
  status: z.enum(RESULT_STATUSES),
  /** Its unit's state. */
  unitStatus: z.enum(UNIT_STATUSES),
  /** Unix milliseconds. */
  createdAt: z.number().int(),
});
export const clientResultsReplySchema = z.strictObject({ results: z.array(clientResultSchema) });

export const errorBodySchema = z.strictObject({
  error: z.strictObject({
    code: z.string(),
    message: z.string(),
    /** One per bad field, `path` naming it as a person would write it (`result.summary.stepsRun`). */
    issues: z.array(z.strictObject({ path: z.string(), message: z.string() })).optional(),
  }),
});

export type CreateSweep = z.output<typeof createSweepSchema>;
export type PhaseThresholds = z.output<typeof phaseThresholdsSchema>;
export type SubmitResult = z.output<typeof submitResultSchema>;
export type RegisteredClient = z.output<typeof registeredClientSchema>;
export type Lease = z.output<typeof leaseSchema>;
export type ProgressReply = z.output<typeof progressReplySchema>;
export type ResultVerdict = z.output<typeof resultVerdictSchema>;
export type UnitCurves = z.output<typeof unitCurvesSchema>;
export type SweepRun = z.output<typeof sweepRunSchema>;
export type SweepRunsReply = z.output<typeof sweepRunsReplySchema>;
export type ClientResultsReply = z.output<typeof clientResultsReplySchema>;
export type ErrorBody = z.output<typeof errorBodySchema>;
