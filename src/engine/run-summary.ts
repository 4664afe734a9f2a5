/**
 * A run's summary from its curves: the grokking milestones, whether it stopped early, the final
 * point. Pure (no kernels, no data), so every backend that trains a run — the engine's TrainingRun
 * and the TensorFlow.js run (src/tfjs/train.ts) — summarises it with the same code.
 */
import type { RunConfig } from "../config/run-config.js";
import { GENERALIZATION_ACCURACY, MEMORIZATION_ACCURACY, type CurvePoint, type RunSummary } from "../config/run-result.js";

/** Whether the last evaluation reached the config's early-stopping test accuracy (never without one). */
export function reachedEarlyStop(config: Pick<RunConfig, "earlyStopTestAccuracy">, curves: readonly CurvePoint[]): boolean {
  const target = config.earlyStopTestAccuracy;
  const last = curves.at(-1);
  return target !== undefined && last !== undefined && last.testAccuracy >= target;
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
export function summarizeRun(config: Pick<RunConfig, "steps" | "earlyStopTestAccuracy">, curves: readonly CurvePoint[], facts: RunFacts): RunSummary {
  if (curves.length === 0) throw new Error("a run's summary needs at least one evaluation");
  const firstAt = (ok: (p: CurvePoint) => boolean) => curves.find(ok)?.step ?? null;
  const memorizationStep = firstAt((p) => p.trainAccuracy >= MEMORIZATION_ACCURACY);
  const generalizationStep = firstAt((p) => p.testAccuracy >= GENERALIZATION_ACCURACY);
  return {
    memorizationStep,
    generalizationStep,
    grokkingDelay: memorizationStep !== null && generalizationStep !== null ? generalizationStep - memorizationStep : null,
    stepsRun: facts.stepsRun,
    stoppedEarly: reachedEarlyStop(config, curves) && facts.stepsRun < config.steps,
    final: curves.at(-1)!,
    paramsHash: facts.paramsHash,
    parameterCount: facts.parameterCount,
    stepsPerSecond: facts.stepsPerSecond,
    wallSeconds: facts.wallSeconds,
  };
}
