/**
 * Training FLOPs of a reported run, for statistics (never for validation).
 *
 * Counted from the config, never taken from the volunteer's report: the usual 6·N·D estimate,
 * 6 FLOPs (2 forward, 4 backward) per parameter per training row, `parameterCount × 6 × stepsRun × trainRows`, where trainRows is the
 * rows one optimizer step sees (the batch size, or the whole training split for "full").
 * It overestimates the engine's embedding-table MLPs (whose first layer never multiplies the batch).
 */
import type { RunConfig } from "../../src/config/run-config.js";
import type { RunSummary } from "../../src/config/run-result.js";
import { modularSplitSizes } from "../../src/data/modular.js";

export function estimateFlops(config: RunConfig, summary: Pick<RunSummary, "parameterCount" | "stepsRun">): number {
  return summary.parameterCount * 6 * summary.stepsRun * trainRowsPerStep(config);
}

export function trainRowsPerStep(config: RunConfig): number {
  const train = trainSplitSize(config);
  return config.batchSize === "full" ? train : Math.min(config.batchSize, train);
}

/** Rows of the training split, as the engine draws it. */
function trainSplitSize(config: RunConfig): number {
  const { task } = config;
  return task.kind === "mnist" ? task.trainSize : modularSplitSizes(task.p, task.op, task.trainFraction).train;
}
