/**
 * Training FLOPs of a reported run, for statistics (never for validation).
 *
 * The engine's exact count (`Model.flopsPerStep`) needs an instantiated model on a wasm arena, which
 * the Worker does not have, so this is the usual 6·N·D estimate: 6 FLOPs (2 forward, 4 backward) per
 * parameter per training row, `parameterCount × 6 × stepsRun × trainRows`, where trainRows is the
 * rows one optimizer step sees (the batch size, or the whole training split for "full").
 * It overestimates the engine's embedding-table MLPs (whose first layer never multiplies the batch).
 */
import type { RunConfig } from "../../src/config/run-config.js";
import type { RunSummary } from "../../src/config/run-result.js";

export function estimateFlops(config: RunConfig, summary: Pick<RunSummary, "parameterCount" | "stepsRun">): number {
  return summary.parameterCount * 6 * summary.stepsRun * trainRowsPerStep(config);
}

export function trainRowsPerStep(config: RunConfig): number {
  const train = trainSplitSize(config);
  return config.batchSize === "full" ? train : Math.min(config.batchSize, train);
}

/** Rows of the training split, as src/data/modular.ts (modularData) and src/data/mnist.ts (mnistSubset) draw it. */
function trainSplitSize(config: RunConfig): number {
  const { task } = config;
  if (task.kind === "mnist") return task.trainSize;
  const pairs = task.p * (task.op === "div" ? task.p - 1 : task.p);
  return Math.max(1, Math.min(pairs - 1, Math.floor(task.trainFraction * pairs)));
}
