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
