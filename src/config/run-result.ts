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

/** Metrics at one evaluation, after `step` optimizer steps (step 0: at initialisation). */
export const curvePointSchema = z.strictObject({
  step,
  trainLoss: finite,
  trainAccuracy: accuracy,
  testLoss: finite,
  testAccuracy: accuracy,
  /** Total L2 norm of all parameters. */
  weightNorm: finite,
  /** L2 norm of the embedding group (token and position embeddings; 0 when the model has none). */
  embeddingNorm: finite,
  /** L2 norm of every other parameter. */
  otherNorm: finite,
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
  /** SHA-256 (hex) of the final parameters' bytes (little-endian f32, layout order): equal configs give equal hashes. */
  paramsHash: z.string().check(z.regex(/^[0-9a-f]{64}$/, "expected 64 lowercase hex digits")),
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
