/** The optimizer step's own arithmetic around the kernels: warm-up, and one fused call per parameter group. */
import { describe, expect, it } from "vitest";
import { learningRate } from "../../src/engine/optimizer.js";
import { kernelsFor } from "../support/kernels.js";
import { ModelHarness } from "../support/model-harness.js";
import { smallMlpConfig } from "../support/configs.js";

describe("learningRate", () => {
  it("rises linearly over warmupSteps (step counted from 1), then stays at lr — exactly lr from the last warm-up step on", () => {
    expect(learningRate(0.01, 10, 5)).toBe(0.005);
    expect(learningRate(0.01, 10, 1)).toBe(0.001);
    // 0.1·3/3 rounds to 0.10000000000000002: at step = warmupSteps the rate must be lr itself.
    expect(learningRate(0.1, 3, 3)).toBe(0.1);
    expect(learningRate(0.1, 3, 4)).toBe(0.1);
    expect(learningRate(0.1, 0, 1)).toBe(0.1);
  });
});

describe("optimizerStep", () => {
  it("updates each group over exactly its own range: SGD on an embedding MLP moves every parameter by lr·g and leaves the gradients alone", async () => {
    const k = await kernelsFor("simd");
    const lr = 0.5;
    const h = new ModelHarness(k, { ...smallMlpConfig({ p: 11, embeddingDim: 4, hidden: [8] }), optimizer: { kind: "sgd", lr, embedding: { lr } } }, { rows: 20 });
    h.backward();
    const names = h.state.layout.tensors.map((t) => t.name);
    const before = names.map((n) => h.param(n).slice()), grads = names.map((n) => h.grad(n).slice());
    h.step(1);
    names.forEach((name, i) => {
      const expected = before[i].map((p, j) => Math.fround(p - Math.fround(lr * grads[i][j])));
      expect(h.param(name), name).toEqual(expected);
      expect(h.grad(name), `${name} gradient`).toEqual(grads[i]);
    });
  });
});
