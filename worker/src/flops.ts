/**
 * A run's parameter count and training FLOPs, for checking results and for statistics.
 *
 * Both are counted from the config, never taken from the volunteer's report: the parameter count as
 * the engine lays the model out, and FLOPs by the usual 6·N·D estimate, 6 FLOPs (2 forward,
 * 4 backward) per parameter per training row, `parameterCount × 6 × stepsRun × trainRows`, where
 * trainRows is the rows one optimizer step sees (the batch size, or the whole training split for "full").
 * It overestimates the engine's embedding-table MLPs (whose first layer never multiplies the batch).
 */
import type { RunConfig } from "../../src/config/run-config.js";
import { taskShape } from "../../src/engine/tasks/dataset.js";
import { modularSplitSizes } from "../../src/engine/tasks/modular.js";
import { modelLayout } from "../../src/engine/models/index.js";

export function parameterCount(config: RunConfig): number {
  return modelLayout(config.model, taskShape(config.task)).total;
}

/** `stepsRun` must have been checked against the config (result-consistency.ts). */
export function estimateFlops(config: RunConfig, stepsRun: number): number {
  return parameterCount(config) * 6 * stepsRun * trainRowsPerStep(config);
}

function trainRowsPerStep(config: RunConfig): number {
  const train = trainSplitSize(config);
  return config.batchSize === "full" ? train : Math.min(config.batchSize, train);
}

/** Rows of the training split, as the engine draws it. */
function trainSplitSize(config: RunConfig): number {
  const { task } = config;
  return task.kind === "mnist" ? task.trainSize : modularSplitSizes(task.p, task.op, task.trainFraction).train;
}
