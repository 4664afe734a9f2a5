/**
 * The run plan is measured by laying the run out with the engine's own code on a measuring arena and
 * counting a dry step: it must equal what a real run executes (counted around the real kernels) and
 * allocates, and its matmul FLOPs must equal the textbook count written out here.
 */
import { describe, expect, it } from "vitest";
import { parseRunConfig } from "../../src/config/run-config.js";
import { evaluatesAt, evaluationCount, flopsExecuted, planRun } from "../../src/engine/run-plan.js";
import { train } from "../../src/engine/train.js";
import { TrainingRun } from "../../src/engine/training-run.js";
import { loadBuild } from "../../src/hosts/node/builds.js";
import { loadMnistFromBuild } from "../../src/hosts/node/mnist.js";
import { countingExecutor } from "../../src/ops/counting.js";
import { Ops } from "../../src/ops/ops.js";
import { serialExecutor } from "../../src/ops/plan.js";
import { smallMlpConfig } from "../support/configs.js";

const base = smallMlpConfig({ steps: 7, evalInterval: 3 });
const CONFIGS = {
  "embedding MLP, AdamW, full batch": base,
  "one-hot MLP, SGD, mini-batches, norm constraint": { ...base, model: { kind: "mlp", input: "onehot", hidden: [24, 16], activation: "tanh" }, optimizer: { kind: "sgd", lr: 0.1, momentum: 0.9 }, batchSize: 40, constrainNorm: 10 },
  "2-layer transformer with LayerNorm, MSE": { ...base, model: { kind: "transformer", layers: 2, dModel: 16, heads: 4, dMlp: 24, layerNorm: true }, loss: "mse" },
  "MNIST pixel MLP, gelu": { ...base, task: { kind: "mnist", trainSize: 300, testSize: 100 }, model: { kind: "mlp", input: "pixels", hidden: [32], activation: "gelu" }, batchSize: 64 },
};

describe("planRun", () => {
  it.each(Object.entries(CONFIGS))("equals what a real run executes and allocates: %s", async (_, input) => {
    const config = parseRunConfig(input);
    const plan = planRun(config);
    const kernels = await loadBuild("simd");
    const counter = countingExecutor(serialExecutor(kernels.kernels));
    const before = kernels.arena.used;
    const mnist = config.task.kind === "mnist" ? await loadMnistFromBuild() : undefined;
    const run = TrainingRun.create(config, { kernels, ops: new Ops(counter), mnist });
    try {
      expect(kernels.arena.used - before, "arena bytes").toBe(plan.arenaBytes);
      expect(counter.flops, "setup FLOPs").toBe(plan.flops.setup);
      counter.reset();
      run.trainStep();
      expect(counter.flops, "FLOPs of a step").toBe(plan.flops.perStep);
      expect(Object.fromEntries(counter.byKernel)).toEqual(plan.flops.perStepByKernel);
      counter.reset();
      run.evaluate();
      expect(counter.flops, "FLOPs of an evaluation").toBe(plan.flops.perEvaluation);
      expect(plan.parameterCount).toBe(run.parameterCount);
    } finally {
      run.dispose();
    }
    // A whole run: every step and evaluation it makes, counted around the real kernels.
    const whole = countingExecutor(serialExecutor(kernels.kernels));
    const result = await train(config, { kernels, ops: new Ops(whole), mnist });
    expect(result.curves.length).toBe(plan.evaluations);
    expect(whole.flops).toBe(plan.flops.perRun);
    expect(flopsExecuted(plan, config.steps, result.curves.length)).toBe(plan.flops.perRun);
    expect(flopsExecuted(plan, 2, 1)).toBe(plan.flops.setup + 2 * plan.flops.perStep + plan.flops.perEvaluation);
  });

  it("counts a pixel MLP's matmuls as the textbook does: 2·rows·in·out forward, and for the weights' and inputs' gradients", () => {
    const config = parseRunConfig({ ...CONFIGS["MNIST pixel MLP, gelu"], model: { kind: "mlp", input: "pixels", hidden: [32, 16] }, batchSize: 64 });
    const plan = planRun(config);
    const widths = [784, 32, 16, 10], rows = 64;
    const layers = widths.slice(1).map((out, l) => 2 * rows * widths[l] * out);
    // Forward and the weight gradient for every layer; the input gradient for all but the first (pixels need none).
    const expected = layers.reduce((a, b) => a + b) * 2 + layers.slice(1).reduce((a, b) => a + b);
    const matmul = (plan.flops.perStepByKernel.f32_gemm_nn_4x8_wasmsimd ?? 0) + (plan.flops.perStepByKernel.f32_gemm_tn_4x8_wasmsimd ?? 0);
    expect(matmul).toBe(expected);
    expect(plan.rowsPerStep).toBe(64);
    expect([plan.trainRows, plan.testRows]).toEqual([300, 100]);
  });

  it("counts evaluations as the engine schedules them: step 0, every evalInterval, and the last step", () => {
    expect(evaluationCount({ steps: 7, evalInterval: 3 })).toBe(4); // 0, 3, 6, 7
    expect(evaluationCount({ steps: 9, evalInterval: 3 })).toBe(4); // 0, 3, 6, 9
    expect(evaluationCount({ steps: 1, evalInterval: 1 })).toBe(2);
    const schedule = { steps: 7, evalInterval: 3 };
    expect([0, 1, 2, 3, 4, 5, 6, 7].filter((step) => evaluatesAt(schedule, step))).toEqual([0, 3, 6, 7]);
  });
});
