/** The run-config schema: defaults, and every cross-field rule with the field it names. */
import { describe, expect, it } from "vitest";
import { MNIST_DIGITS, parseRunConfig, RunConfigError } from "../../src/config/run-config.js";
import { smallMlpConfig } from "../support/configs.js";

const base = () => smallMlpConfig();
const transformer = (init: object = {}, layers = 1) => ({
  ...base(),
  model: { kind: "transformer", layers, dModel: 8, heads: 2, dMlp: 16, init },
});

/** The issues parseRunConfig reports for `input`, as "path: message" lines. */
function issues(input: unknown): string[] {
  try {
    parseRunConfig(input);
  } catch (error) {
    if (error instanceof RunConfigError) return error.issues.map((i) => `${i.path}: ${i.message}`);
    throw error;
  }
  return [];
}

describe("parseRunConfig", () => {
  it("fills the defaults", () => {
    const c = parseRunConfig({ ...base(), steps: 1000, evalInterval: undefined });
    expect(c).toMatchObject({ initScale: 1, loss: "cross-entropy", batchSize: "full", evalInterval: 100 });
    expect(c.optimizer).toMatchObject({ beta1: 0.9, beta2: 0.98, eps: 1e-8, warmupSteps: 0, embedding: {} });
  });

  it("defaults evalInterval to the run's length when it is shorter than 100 steps", () => {
    expect(parseRunConfig({ ...base(), steps: 30, evalInterval: undefined }).evalInterval).toBe(30);
    expect(issues({ ...base(), steps: 30, evalInterval: 40 })).toEqual(["evalInterval: must not exceed steps (30), got 40"]);
  });

  it("is idempotent: a parsed config parses to itself", () => {
    const once = parseRunConfig(transformer({ tensorStd: { "l0.wq": 0.1 } }));
    expect(parseRunConfig(JSON.parse(JSON.stringify(once)))).toEqual(once);
  });

  it.each([
    [{ task: { kind: "modular", p: 24, op: "div", trainFraction: 0.5 } }, 'task.p: op "div" needs a prime modulus, got 24'],
    [{ task: { kind: "modular", p: 258, op: "add", trainFraction: 0.5 } }, "task.p: Too big"],
    [{ task: { kind: "modular", p: 13, op: "add", trainFraction: 1 } }, "task.trainFraction: Too big"],
    [{ task: { kind: "mnist", trainSize: 9000, testSize: 2000 }, model: { kind: "mlp", input: "pixels", hidden: [8] } }, `task.trainSize: trainSize + testSize must not exceed the ${MNIST_DIGITS} MNIST digits, got 9000 + 2000`],
    [{ task: { kind: "mnist", trainSize: 10, testSize: 10 } }, 'model.input: the mnist task takes input "pixels", got "embedding"'],
    [{ model: { kind: "mlp", input: "pixels", hidden: [8] } }, 'model.input: a modular task takes input "embedding" or "onehot", got "pixels"'],
    [{ model: { kind: "mlp", input: "embedding", hidden: [8] } }, 'model.embeddingDim: required with input "embedding"'],
    [{ model: { kind: "mlp", input: "onehot", embeddingDim: 4, hidden: [8] } }, 'model.embeddingDim: only meaningful with input "embedding"'],
    [{ model: { kind: "mlp", input: "onehot", hidden: [8, 0] } }, "model.hidden[1]: Too small"],
    [{ model: { kind: "mlp", input: "onehot", hidden: [8], init: { layerStd: [0.1] } } }, "model.init.layerStd: expected 2 entries (one per linear layer), got 1"],
    [{ model: { kind: "mlp", input: "onehot", hidden: [8] }, optimizer: { kind: "adamw", lr: 1e-3, embedding: { lr: 1e-2 } } }, 'optimizer.embedding: this model has no embedding parameters (MLP input "onehot"); drop the override'],
    [{ model: { kind: "transformer", dModel: 10, heads: 3, dMlp: 8 } }, "model.heads: must divide dModel (10), got 3"],
    [{ task: { kind: "mnist", trainSize: 10, testSize: 10 }, model: { kind: "transformer", dModel: 8, heads: 2, dMlp: 8 } }, "model.kind: the transformer takes a modular task"],
    [{ optimizer: { kind: "adamw", lr: Number.NaN } }, "optimizer.lr: Invalid input: expected number, received NaN"],
    [{ seed: -1 }, "seed: Too small"],
    [{ batchSize: "all" }, `batchSize: expected "full" or a positive integer`],
  ] as const)("names the field: %j", (override, message) => {
    const found = issues({ ...base(), ...override });
    expect(found.some((line) => line.startsWith(message)), found.join("\n")).toBe(true);
  });

  it("takes a per-tensor init std for the transformer, and only for tensors it has", () => {
    expect(issues(transformer({ tensorStd: { tokenEmbedding: 0.5, "l0.wIn": 0.1, "l1.wOut": 0.2, unembed: 0.01 } }, 2))).toEqual([]);
    expect(issues(transformer({ tensorStd: { "l1.wq": 0.1 } }, 1))).toEqual([
      'model.init.tensorStd.l1.wq: no weight tensor "l1.wq" in a 1-layer transformer (tokenEmbedding, positionEmbedding, l0.wq … l0.wOut, unembed)',
    ]);
    expect(issues(transformer({ tensorStd: { "l0.bq": 0.1 } }))[0]).toMatch(/^model\.init\.tensorStd\.l0\.bq: no weight tensor/);
    expect(issues(transformer({ tensorStd: { unembed: 0 } }))[0]).toMatch(/^model\.init\.tensorStd\.unembed: Too small/);
    // Block indices are written as the layout writes them (no leading zeros, none past the last layer).
    expect(issues(transformer({ tensorStd: { "l01.wq": 0.1, "l2.wq": 0.1 } }, 2))).toHaveLength(2);
  });

  it("checks tensor names without listing a huge model's tensors (a fuzzed layers of 4.5e15 threw RangeError)", () => {
    expect(issues(transformer({ tensorStd: { "l4499999999999999.wq": 0.1, "l7.wOut": 0.2 } }, 4.5e15))).toEqual([]);
  });
});
