/**
 * What a run's summary says about its curves — the grokking milestones, whether it stopped early,
 * the final point — derived from the curves alone. One function for everyone: the engine and the
 * TensorFlow.js run summarise their runs with it (src/engine/run-summary.ts), and the API derives
 * the summary it stores from the curves a volunteer reports (worker/src/result-consistency.ts), so
 * a summary can never contradict its curves. Pure, in src/config/ so the Worker may import it.
 */
import type { RunConfig } from "./run-config.js";
import { GENERALIZATION_ACCURACY, MEMORIZATION_ACCURACY, type CurvePoint, type RunSummary } from "./run-result.js";

/** The summary's fields that follow from the curves. */
export type CurveSummary = Pick<RunSummary, "memorizationStep" | "generalizationStep" | "grokkingDelay" | "stoppedEarly" | "final">;

/** Whether the last evaluation reached the config's early-stopping test accuracy (never without one). */
export function reachedEarlyStop(config: Pick<RunConfig, "earlyStopTestAccuracy">, curves: readonly CurvePoint[]): boolean {
  const target = config.earlyStopTestAccuracy;
  const last = curves.at(-1);
  return target !== undefined && last !== undefined && last.testAccuracy >= target;
}

/** The curve-derived summary of a run of `config` that recorded `curves` (at least one point) in `stepsRun` steps. */
export function summarizeCurves(config: Pick<RunConfig, "steps" | "earlyStopTestAccuracy">, curves: readonly CurvePoint[], stepsRun: number): CurveSummary {
  const final = curves.at(-1);
  if (final === undefined) throw new Error("a run's summary needs at least one evaluation");
  const firstAt = (ok: (p: CurvePoint) => boolean) => curves.find(ok)?.step ?? null;
  const memorizationStep = firstAt((p) => p.trainAccuracy >= MEMORIZATION_ACCURACY);
  const generalizationStep = firstAt((p) => p.testAccuracy >= GENERALIZATION_ACCURACY);
  return {
    memorizationStep,
    generalizationStep,
    grokkingDelay: memorizationStep !== null && generalizationStep !== null ? generalizationStep - memorizationStep : null,
    stoppedEarly: reachedEarlyStop(config, curves) && stepsRun < config.steps,
    final,
  };
}
