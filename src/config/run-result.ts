/**
 * The result of a run: curves, summary and how it was computed. One zod schema, shared by the engine
 * (which produces it), the API (which validates what volunteers report) and the page and CLI.
 */
import { z } from "zod";
import { runConfigSchema } from "./run-config.js";

const finite = z.number().refine(Number.isFinite, { message: "expected a finite number (not NaN or Infinity)" });
const accuracy = finite.pipe(z.number().min(0).max(1));
const step = z.number().int().nonnegative();

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
  memorizationStep: step.nullable(),
  /** First evaluated step with test accuracy ≥ 0.99; null if never. */
  generalizationStep: step.nullable(),
  /** generalizationStep − memorizationStep, when both happened. */
  grokkingDelay: z.number().int().nullable(),
  stepsRun: step,
  stoppedEarly: z.boolean(),
  final: curvePointSchema,
  /** SHA-256 (hex) of the final parameters' bytes (little-endian f32, layout order): equal configs give equal hashes. */
  paramsHash: z.string().regex(/^[0-9a-f]{64}$/, "expected 64 lowercase hex digits"),
  parameterCount: z.number().int().positive(),
  /** Training steps per second (evaluation time excluded). */
  stepsPerSecond: finite.pipe(z.number().nonnegative()),
  /** Wall time of the whole run, evaluations included. */
  wallSeconds: finite.pipe(z.number().nonnegative()),
});

export const runMetaSchema = z.strictObject({
  engineVersion: z.string().min(1).max(40),
  /** Which engine computed it: our deterministic wasm kernels, or a tfjs backend (not bitwise reproducible). */
  backend: z.enum(["wasm-simd", "tfjs-webgpu", "tfjs-wasm"]),
  build: z.enum(["simd", "simd-threads"]).nullable(),
  threads: z.number().int().positive(),
  /** Why fewer threads than asked for were used (e.g. no SharedArrayBuffer), if so. */
  note: z.string().max(500).optional(),
});

export const runResultSchema = z.strictObject({
  config: runConfigSchema,
  curves: z.array(curvePointSchema).min(1),
  summary: runSummarySchema,
  meta: runMetaSchema,
});

export type CurvePoint = z.infer<typeof curvePointSchema>;
export type RunSummary = z.infer<typeof runSummarySchema>;
export type RunMeta = z.infer<typeof runMetaSchema>;
export type RunResult = z.output<typeof runResultSchema>;

export const MEMORIZATION_ACCURACY = 0.99;
export const GENERALIZATION_ACCURACY = 0.99;
