/**
 * Valid RunResults for the API tests, built with the engine's own schema: a result for a unit's
 * config with a chosen paramsHash and backend, curves at every step the engine evaluates (step 0,
 * every evalInterval, the last step run), the summary the API derives from them (the engine's
 * summarizeCurves and result digest), and the parameter count of the config's model.
 */
import { createHash } from "node:crypto";
import { summarizeCurves } from "../../src/config/curve-summary.js";
import { resultDigestInput } from "../../src/config/result-digest.js";
import { parseRunConfig, type RunConfigInput } from "../../src/config/run-config.js";
import { GENERALIZATION_ACCURACY, MEMORIZATION_ACCURACY, runResultSchema, type CurvePoint, type RunMeta, type RunResult } from "../../src/config/run-result.js";
import { planRun } from "../../src/engine/run-plan.js";

/** A 64-hex-digit params hash named by a label ("A", "B"…). */
export function hashOf(label: string): string {
  return createHash("sha256").update(label).digest("hex");
}

/** The result digest, computed synchronously (node:crypto) over the engine's canonical bytes. */
export function digestOf(paramsHash: string, curves: readonly CurvePoint[]): string {
  return createHash("sha256").update(resultDigestInput(paramsHash, curves)).digest("hex");
}

export interface ResultOptions {
  paramsHash?: string;
  backend?: RunMeta["backend"];
  /** Default 1: memorized from the first evaluation at or after half the run. */
  finalTrainAccuracy?: number;
  /** Default 0.995. */
  finalTestAccuracy?: number;
  /** Step of the first test accuracy ≥ 0.99 (an evaluation step), or null; default: the last step if finalTestAccuracy ≥ 0.99, else null. */
  generalizationStep?: number | null;
  /** The run stopped early after this many steps (the config needs earlyStopTestAccuracy; default: it ran all of its steps). */
  stoppedAt?: number;
}

/** Accuracies of evaluations before the run memorizes or generalizes. */
const BEFORE = { train: 0.05, test: 0.04 };

export function makeRunResult(config: RunConfigInput, options: ResultOptions = {}): RunResult {
  const parsed = parseRunConfig(config);
  const steps = options.stoppedAt ?? parsed.steps;
  const trainAccuracy = options.finalTrainAccuracy ?? 1;
  const testAccuracy = options.finalTestAccuracy ?? 0.995;
  const schedule: number[] = [];
  for (let step = 0; step < steps; step += parsed.evalInterval) schedule.push(step);
  schedule.push(steps);
  const generalizationStep = options.generalizationStep === undefined ? (testAccuracy >= GENERALIZATION_ACCURACY ? steps : null) : options.generalizationStep;
  if ((generalizationStep === null) !== testAccuracy < GENERALIZATION_ACCURACY) throw new Error(`fixture: generalizationStep ${generalizationStep} contradicts finalTestAccuracy ${testAccuracy}`);
  if (generalizationStep !== null && !schedule.includes(generalizationStep)) throw new Error(`fixture: generalizationStep ${generalizationStep} is not an evaluation step (${schedule.join(", ")})`);
  if (options.stoppedAt !== undefined && (parsed.earlyStopTestAccuracy === undefined || testAccuracy < parsed.earlyStopTestAccuracy || generalizationStep !== steps)) {
    throw new Error("fixture: a run stops early only at the first evaluation reaching config.earlyStopTestAccuracy");
  }
  const memorizationStep = trainAccuracy >= MEMORIZATION_ACCURACY ? schedule.find((step) => step >= steps / 2)! : null;

  const point = (step: number): CurvePoint => {
    const train = step === steps || (memorizationStep !== null && step >= memorizationStep) ? trainAccuracy : BEFORE.train;
    const test = step === steps || (generalizationStep !== null && step >= generalizationStep) ? testAccuracy : BEFORE.test;
    // 6² + 8² = 10²: the norms add up as the engine's do.
    return { step, trainLoss: 1 - train + 0.01, trainAccuracy: train, testLoss: 1 - test + 0.02, testAccuracy: test, weightNorm: 10, embeddingNorm: 6, otherNorm: 8 };
  };
  const backend = options.backend ?? "wasm-simd";
  const result: RunResult = {
    config: parsed,
    curves: schedule.map(point),
    summary: {} as RunResult["summary"],
    meta: { engineVersion: "0.1.0", backend, build: backend === "wasm-simd" ? "simd" : null, threads: 1 },
  };
  return runResultSchema.parse(resummarize(result, { paramsHash: options.paramsHash ?? hashOf("A"), parameterCount: planRun(parsed).parameterCount, stepsPerSecond: 500, wallSeconds: 1.5 }));
}

/**
 * Sets `result.summary` to the one the API derives from its curves (after a test changed them), keeping
 * the run's own facts (paramsHash, parameterCount, speed) from `facts` or from the summary it had.
 */
export function resummarize(result: RunResult, facts: Partial<Pick<RunResult["summary"], "paramsHash" | "parameterCount" | "stepsPerSecond" | "wallSeconds">> = {}): RunResult {
  const { paramsHash, parameterCount, stepsPerSecond, wallSeconds } = { ...result.summary, ...facts };
  const stepsRun = result.curves[result.curves.length - 1].step;
  const { memorizationStep, generalizationStep, grokkingDelay, stoppedEarly, final } = summarizeCurves(result.config, result.curves, stepsRun);
  result.summary = { memorizationStep, generalizationStep, grokkingDelay, stepsRun, stoppedEarly, final: { ...final }, paramsHash, resultDigest: digestOf(paramsHash, result.curves), parameterCount, stepsPerSecond, wallSeconds };
  return result;
}

/** A submitResultSchema body. */
export function submission(config: RunConfigInput, options: ResultOptions = {}) {
  return { result: makeRunResult(config, options), timings: { wallSeconds: 2 } };
}
