/** Run configs of published grokking setups, to start from. */
import type { RunConfigInput } from "./run-config.js";

/**
 * The quadratic MLP of Doshi, Das, He & Gromov 2023 ("To grok or not to grok"): a + b mod 97,
 * half the pairs for training, one-hot operands (194 inputs), 500 hidden units with x², no biases,
 * MSE on one-hot targets, full-batch AdamW (lr 1e-2, wd 5, betas 0.9/0.98), both layers initialised
 * with std 0.5/(2·500)^(1/3). Published: train accuracy 0.99 near step 20, test 0.99 near step 44.
 */
export function quadraticMlpConfig({ seed = 0, steps = 100, evalInterval = 1 }: { seed?: number; steps?: number; evalInterval?: number } = {}) {
  const width = 500;
  const std = 0.5 / Math.cbrt(2 * width);
  return {
    version: 1,
    task: { kind: "modular", p: 97, op: "add", trainFraction: 0.5 },
    model: { kind: "mlp", input: "onehot", hidden: [width], activation: "square", bias: false, init: { layerStd: [std, std] } },
    loss: "mse",
    optimizer: { kind: "adamw", lr: 1e-2, beta1: 0.9, beta2: 0.98, weightDecay: 5 },
    steps,
    evalInterval,
    seed,
  } satisfies RunConfigInput;
}

/**
 * The quadratic MLP over weight decay {0, 1, 5, 10} × training fraction {0.3, 0.5, 0.7} × 3 seeds,
 * 300 steps: a small phase diagram of where it memorizes, groks or comprehends. The body of
 * POST /api/sweeps; `npm start` seeds it and `grokedge sweep create --preset doshi-2023` creates it.
 */
export function quadraticMlpSweep() {
  return {
    name: "Quadratic MLP on a + b mod 97: weight decay × training fraction",
    baseConfig: quadraticMlpConfig({ steps: 300, evalInterval: 5 }),
    axes: [
      { path: "optimizer.weightDecay", values: [0, 1, 5, 10] },
      { path: "task.trainFraction", values: [0.3, 0.5, 0.7] },
    ],
    seeds: [0, 1, 2],
    quorum: 2,
    phase: { trainAccuracy: 0.99, testAccuracy: 0.99, grokkingDelay: 20 },
  };
}
