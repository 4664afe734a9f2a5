/**
 * The result of a run: curves, summary and how it was computed. One zod schema (zod/mini, see zod.ts), shared by the engine
 * (which produces it), the API (which validates what volunteers report) and the page and CLI.
 */
import { runConfigSchema } from "./run-config.js";
import * as z from "./zod.js";

const finite = z.number().check(z.refine(Number.isFinite, { message: "expected a finite number (not NaN or Infinity)" }));
const accuracy = z.pipe(finite, z.number().check(z.gte(0), z.lte(1)));
const step = z.number().check(z.int(), z.nonnegative());
const nonNegativeFinite = z.pipe(finite, z.number().check(z.nonnegative()));
/**
 * A loss or a norm: ≥ 0, or null when the run diverged and it is not finite (NaN or ±Infinity). JSON cannot
 * carry those, so the engine itself records null (src/engine/run-summary.ts, curvePointOf) and the
 * result is the same in memory, on the wire and in the digest.
 */
const divergible = z.nullable(nonNegativeFinite);
const sha256 = z.string().check(z.regex(/^[0-9a-f]{64}$/, "expected 64 lowercase hex digits"));

/** Metrics at one evaluation, after `step` optimizer steps (step 0: at initialisation). */
export const curvePointSchema = z.strictObject({
  step,
  trainLoss: divergible,
  /** Correct rows over the split's rows: finite even when the run diverged. */
  trainAccuracy: accuracy,
  testLoss: divergible,
  testAccuracy: accuracy,
  /** Total L2 norm of all parameters. */
  weightNorm: divergible,
  /** L2 norm of the embedding group (token and position embeddings; 0 when the model has none). */
  embeddingNorm: divergible,
  /** L2 norm of every other parameter. */
  otherNorm: divergible,
});

export const runSummarySchema = z.strictObject({
  /** First evaluated step with train accuracy ≥ 0.99; null if never. */
  memorizationStep: z.nullable(step),
  /** First evaluated step with test accuracy ≥ 0.99; null if never. */
  generalizationStep: z.nullable(step),
  /** generalizationStep − memorizationStep, when both happened. */
  grokkingDelay: z.nullable(z.number().check(z.int())),
  stepsRun: step,
  stoppedEarly: z.boolean(),
  final: curvePointSchema,
  /**
   * SHA-256 (hex) of the final parameters' bytes (little-endian f32, layout order, every NaN as 0x7fc00000):
   * equal configs give equal hashes.
   */
  paramsHash: sha256,
  /**
   * SHA-256 (hex) of paramsHash and the curves in canonical binary form (src/config/result-digest.ts): what the
   * quorum compares, so agreeing results agree on everything they publish. The API recomputes it.
   */
  resultDigest: sha256,
  parameterCount: z.number().check(z.int(), z.positive()),
  /** Training steps per second (evaluation time excluded). */
  stepsPerSecond: nonNegativeFinite,
  /** Wall time of the whole run, evaluations included. */
  wallSeconds: nonNegativeFinite,
});

export const runMetaSchema = z.strictObject({
  engineVersion: z.string().check(z.minLength(1), z.maxLength(40)),
  /** Which engine computed it: our deterministic wasm kernels, or a tfjs backend (not bitwise reproducible). */
  backend: z.enum(["wasm-simd", "tfjs-webgpu", "tfjs-wasm"]),
  build: z.nullable(z.enum(["simd", "simd-threads"])),
  threads: z.number().check(z.int(), z.positive()),
  /** Why fewer threads than asked for were used (e.g. no SharedArrayBuffer), if so. */
  note: z.optional(z.string().check(z.maxLength(500))),
});

export const runResultSchema = z.strictObject({
  config: runConfigSchema,
  curves: z.array(curvePointSchema).check(z.minLength(1)),
  summary: runSummarySchema,
  meta: runMetaSchema,
});

export type CurvePoint = z.infer<typeof curvePointSchema>;
export type RunSummary = z.infer<typeof runSummarySchema>;
export type RunMeta = z.infer<typeof runMetaSchema>;
export type RunResult = z.output<typeof runResultSchema>;

export const MEMORIZATION_ACCURACY = 0.99;
export const GENERALIZATION_ACCURACY = 0.99;
