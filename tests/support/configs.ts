/** A small run config the tests share: an embedding MLP on a + b mod p with AdamW, fast enough for many runs. */
export interface SmallMlpOptions {
  p?: number;
  embeddingDim?: number;
  hidden?: number[];
  steps?: number;
  evalInterval?: number;
  seed?: number;
}

export function smallMlpConfig({ p = 23, embeddingDim = 16, hidden = [32], steps = 40, evalInterval = 10, seed = 0 }: SmallMlpOptions = {}) {
  return {
    version: 1,
    task: { kind: "modular", p, op: "add", trainFraction: 0.5 },
    model: { kind: "mlp", input: "embedding", embeddingDim, hidden, activation: "relu" },
    optimizer: { kind: "adamw", lr: 3e-3, weightDecay: 1 },
    steps,
    evalInterval,
    seed,
  };
}
