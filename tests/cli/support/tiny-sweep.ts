/**
 * A sweep small enough to train in a test, yet with more than one phase: Doshi et al.'s quadratic
 * MLP shrunk to a + b mod 23 and 128 units, 60 steps (~0.1–0.5 s a unit). Measured: train fraction
 * 0.2 memorizes (step 10) and never generalizes; 0.7 with weight decay 5 memorizes at 20 and
 * generalizes at 50 (grokking with a delay threshold of 20); 0.7 without weight decay does not.
 */
import { quadraticMlpConfig } from "../../../src/config/presets.js";

export function tinyQuadraticConfig({ steps = 60, evalInterval = 5 }: { steps?: number; evalInterval?: number } = {}) {
  const config = structuredClone(quadraticMlpConfig({ steps, evalInterval }));
  const width = 128;
  const std = 0.5 / Math.cbrt(2 * width);
  return { ...config, task: { ...config.task, p: 23, trainFraction: 0.7 }, model: { ...config.model, hidden: [width], init: { layerStd: [std, std] } } };
}

/** weight decay {0, 5} × train fraction {0.2, 0.7} × seed 0, quorum 1: four units. */
export const TINY_SWEEP = {
  name: "cli test: weight decay × train fraction",
  baseConfig: tinyQuadraticConfig(),
  axes: [
    { path: "optimizer.weightDecay", values: [0, 5] },
    { path: "task.trainFraction", values: [0.2, 0.7] },
  ],
  seeds: [0],
  quorum: 1,
  phase: { grokkingDelay: 20 },
};
