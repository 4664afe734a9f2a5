/**
 * The reference models the benchmarks time (`bench:train`, `bench:worker`, `grokedge bench`): the embedding MLP and the
 * one-layer transformer of the grokking papers on modular addition, and an MNIST MLP. The fourth
 * reference model, the quadratic MLP of Doshi et al., is a preset (src/config/presets.ts).
 */
import type { RunConfigInput } from "./run-config.js";

const adamw = { kind: "adamw", lr: 1e-3, weightDecay: 1, beta1: 0.9, beta2: 0.98 } as const;

export const MLP_CONFIG = {
  version: 1,
  task: { kind: "modular", p: 97, op: "add", trainFraction: 0.4 },
  model: { kind: "mlp", input: "embedding", embeddingDim: 128, hidden: [256], activation: "relu", bias: true, init: { embeddingStd: Math.sqrt(1 / 128), layerStd: [Math.sqrt(2 / 256), Math.sqrt(1 / 256)] } },
  loss: "cross-entropy",
  optimizer: adamw,
  steps: 10000,
  evalInterval: 100,
  seed: 0,
} satisfies RunConfigInput;

export const TRANSFORMER_CONFIG = {
  version: 1,
  task: { kind: "modular", p: 113, op: "add", trainFraction: 0.3 },
  model: { kind: "transformer", layers: 1, dModel: 128, heads: 4, dMlp: 512, layerNorm: false },
  loss: "cross-entropy",
  optimizer: adamw,
  steps: 10000,
  evalInterval: 100,
  seed: 0,
} satisfies RunConfigInput;

export const MNIST_CONFIG = {
  version: 1,
  task: { kind: "mnist", trainSize: 1000, testSize: 1000 },
  model: { kind: "mlp", input: "pixels", hidden: [200, 200], activation: "relu", bias: true },
  loss: "cross-entropy",
  optimizer: adamw,
  batchSize: 200,
  steps: 10000,
  evalInterval: 100,
  seed: 0,
} satisfies RunConfigInput;

/** The reference models by name, with the labels the benchmark tables print. */
export const REFERENCE_MODELS: Record<"mlp" | "transformer" | "mnist", { label: string; config: RunConfigInput }> = {
  mlp: { label: "MLP p=97 emb128 ×2→256→97", config: MLP_CONFIG },
  transformer: { label: "transformer p=113 1L d128 h4 mlp512", config: TRANSFORMER_CONFIG },
  mnist: { label: "MNIST MLP 784→200→200→10", config: MNIST_CONFIG },
};
