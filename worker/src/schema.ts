/**
 * Request bodies of the API. The run config and the run result are the engine's own schemas,
 * imported, never redefined.
 */
import { z } from "zod";
import { curvePointSchema, runResultSchema } from "../../src/config/run-result.js";

/** Largest request body accepted (a result with long curves is well under this). */
export const MAX_BODY_BYTES = 1 << 20;
/** Most work units one sweep may have. */
export const MAX_UNITS_PER_SWEEP = 5000;

/** Thresholds of the phase labels, after Liu et al. 2022 (comprehension, grokking, memorization, confusion). */
export const phaseThresholdsSchema = z.strictObject({
  /** Train accuracy at or above this counts as fitted. */
  trainAccuracy: z.number().gt(0).max(1).default(0.99),
  /** Test accuracy at or above this counts as generalized. */
  testAccuracy: z.number().gt(0).max(1).default(0.99),
  /** A generalization later than memorization by more than this many steps is grokking; within it, comprehension. */
  grokkingDelay: z.number().int().nonnegative().default(1000),
});

export const createSweepSchema = z.strictObject({
  name: z.string().min(1).max(200),
  /** A run config (validated per unit after the axes are applied). */
  baseConfig: z.record(z.string(), z.unknown()),
  /** Grid axes: dotted config paths and their values; the units are the cartesian product × seeds. */
  axes: z
    .array(z.strictObject({ path: z.string().regex(/^[A-Za-z]\w*(\.[A-Za-z]\w*)*$/, "expected a dotted config path like optimizer.weightDecay"), values: z.array(z.union([z.number(), z.string(), z.boolean()])).min(1).max(100) }))
    .max(6)
    .default([]),
  seeds: z.array(z.number().int().min(0).max(2 ** 32 - 1)).min(1).max(100),
  quorum: z.number().int().min(1).max(5).default(2),
  phase: phaseThresholdsSchema.default({ trainAccuracy: 0.99, testAccuracy: 0.99, grokkingDelay: 1000 }),
});

export const registerClientSchema = z.strictObject({
  simd: z.boolean(),
  threads: z.boolean(),
  cores: z.number().int().min(1).max(1024),
  webgpu: z.boolean(),
  userAgent: z.string().max(500),
});

export const progressSchema = z.strictObject({
  step: z.number().int().nonnegative(),
  metrics: curvePointSchema.optional(),
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

export type CreateSweep = z.output<typeof createSweepSchema>;
export type PhaseThresholds = z.output<typeof phaseThresholdsSchema>;
export type RegisterClient = z.output<typeof registerClientSchema>;
export type SubmitResult = z.output<typeof submitResultSchema>;
