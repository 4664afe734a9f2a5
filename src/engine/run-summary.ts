/**
 * A run's curve points and summary, as every backend that trains a run records them — the engine's
 * TrainingRun and the TensorFlow.js run (src/tfjs/train.ts) — so both report exactly what the API
 * derives and recomputes from a result (src/config/curve-summary.ts, src/config/result-digest.ts).
 */
import { summarizeCurves } from "../config/curve-summary.js";
import type { RunConfig } from "../config/run-config.js";
import type { CurvePoint, RunSummary } from "../config/run-result.js";
import { resultDigest } from "../config/result-digest.js";

/**
 * The curve point of an evaluation after `step` steps, from its numbers as measured (`m`): a diverged
 * run's loss or norm that is not finite (NaN, ±Infinity) is recorded as null, as JSON would carry it.
 */
export function curvePointOf(step: number, m: Omit<CurvePoint, "step">): CurvePoint {
  const divergible = (value: number | null) => (value !== null && Number.isFinite(value) ? value : null);
  return {
    step,
    trainLoss: divergible(m.trainLoss),
    trainAccuracy: m.trainAccuracy,
    testLoss: divergible(m.testLoss),
    testAccuracy: m.testAccuracy,
    weightNorm: divergible(m.weightNorm),
    embeddingNorm: divergible(m.embeddingNorm),
    otherNorm: divergible(m.otherNorm),
  };
}

/** What the summary takes from the run itself rather than from its curves. */
export interface RunFacts {
  stepsRun: number;
  paramsHash: string;
  parameterCount: number;
  stepsPerSecond: number;
  wallSeconds: number;
}

/** The summary of a run of `config` that recorded `curves` (at least one point) and ended as `facts` say. */
export async function summarizeRun(config: Pick<RunConfig, "steps" | "earlyStopTestAccuracy">, curves: readonly CurvePoint[], facts: RunFacts): Promise<RunSummary> {
  const { memorizationStep, generalizationStep, grokkingDelay, stoppedEarly, final } = summarizeCurves(config, curves, facts.stepsRun);
  return {
    memorizationStep,
    generalizationStep,
    grokkingDelay,
    stepsRun: facts.stepsRun,
    stoppedEarly,
    final,
    paramsHash: facts.paramsHash,
    resultDigest: await resultDigest(facts.paramsHash, curves),
    parameterCount: facts.parameterCount,
    stepsPerSecond: facts.stepsPerSecond,
    wallSeconds: facts.wallSeconds,
  };
}
