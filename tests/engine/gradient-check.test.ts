/**
 * Finite-difference checks of every layer and loss: along single coordinates θᵢ of every tensor,
 * (L(θ + εeᵢ) − L(θ − εeᵢ)) / 2ε must match ∂L/∂θᵢ. The forward pass is f32, so the difference quotient
 * carries noise of order 1e-7·L/ε; moving one coordinate moves few pre-activations, so ReLU kinks
 * are rarely crossed at ε = 1e-3. The coordinate with the largest gradient is always checked.
 */
import { describe, expect, it } from "vitest";
import { loadMnistFromBuild } from "../../src/hosts/node/mnist.js";
import { kernelsFor, scoped } from "../support/kernels.js";
import { ModelHarness } from "../support/model-harness.js";
import { mulberry32 } from "../support/random.js";

const modular = { kind: "modular", p: 11, op: "add", trainFraction: 0.6 } as const;
const base = { version: 1, task: modular, optimizer: { kind: "adamw", lr: 1e-3 }, steps: 1, evalInterval: 1, seed: 3 };

const CASES: [string, object][] = [];
for (const activation of ["relu", "square", "tanh", "gelu"]) {
  for (const loss of ["cross-entropy", "mse"]) {
    CASES.push([`embedding MLP, ${activation}, ${loss}`, { ...base, loss, model: { kind: "mlp", input: "embedding", embeddingDim: 6, hidden: [9, 7], activation, bias: true } }]);
  }
}
CASES.push(["one-hot MLP without biases, square, mse", { ...base, loss: "mse", model: { kind: "mlp", input: "onehot", hidden: [13], activation: "square", bias: false } }]);
CASES.push(["one-hot MLP, relu, cross-entropy", { ...base, loss: "cross-entropy", model: { kind: "mlp", input: "onehot", hidden: [13, 5], activation: "relu", bias: true } }]);

CASES.push(["pixel MLP (MNIST digits), gelu, cross-entropy", { ...base, task: { kind: "mnist", trainSize: 24, testSize: 8 }, model: { kind: "mlp", input: "pixels", hidden: [10], activation: "gelu", bias: true } }]);
CASES.push(["transformer, 1 layer, no LayerNorm (Nanda et al.), cross-entropy", { ...base, model: { kind: "transformer", layers: 1, dModel: 8, heads: 2, dMlp: 12, init: { embeddingStd: 0.5 } } }]);
CASES.push(["transformer, 2 layers, no LayerNorm", { ...base, model: { kind: "transformer", layers: 2, dModel: 8, heads: 2, dMlp: 12 } }]);
CASES.push(["transformer, 1 layer, LayerNorm", { ...base, model: { kind: "transformer", layers: 1, dModel: 8, heads: 2, dMlp: 12, layerNorm: true } }]);
CASES.push(["transformer, 2 layers, LayerNorm, no biases, mse", { ...base, loss: "mse", model: { kind: "transformer", layers: 2, dModel: 8, heads: 4, dMlp: 6, layerNorm: true, bias: false } }]);
CASES.push(["transformer, 2 layers, LayerNorm, biases, cross-entropy", { ...base, model: { kind: "transformer", layers: 2, dModel: 12, heads: 3, dMlp: 10, layerNorm: true } }]);

/** Central differences of the loss along single coordinates of one tensor, next to the analytic gradient there. */
function coordinateChecks(h: ModelHarness, name: string, seed: number) {
  h.backward();
  const g = h.grad(name).slice();
  const next = mulberry32(seed);
  // The coordinate with the largest gradient, and a few random ones.
  const largest = g.reduce((best, v, i) => (Math.abs(v) > Math.abs(g[best]) ? i : best), 0);
  const coords = [largest, ...Array.from({ length: 5 }, () => Math.floor(next() * g.length))];
  const scaleOfTensor = Math.abs(g[largest]);
  const eps = 1e-3;
  return coords.map((i) => {
    const p = h.param(name), original = p[i];
    p[i] = original + eps;
    const plus = h.loss();
    p[i] = original - eps;
    const minus = h.loss();
    p[i] = original;
    return { coordinate: i, analytic: g[i], numeric: (plus - minus) / (2 * eps), scaleOfTensor };
  });
}

/** Within 3% of the difference quotient, or 1% of the tensor's largest gradient, or 1e-4 (the quotient's f32 noise, up to ~1e-7·L/ε, for gradients that are zero in exact arithmetic such as the key bias's). */
const agrees = (c: { analytic: number; numeric: number; scaleOfTensor: number }) => Math.abs(c.analytic - c.numeric) <= 0.03 * Math.abs(c.numeric) + 0.01 * c.scaleOfTensor + 1e-4;

describe("gradients match finite differences, tensor by tensor", () => {
  it.each(CASES)("%s", async (_, config) => {
    const k = await kernelsFor("simd");
    const mnist = (config as { task: { kind: string } }).task.kind === "mnist" ? await loadMnistFromBuild() : undefined;
    scoped(k, () => {
      const h = new ModelHarness(k, config, { mnist });
      for (const t of h.state.layout.tensors) {
        for (const check of coordinateChecks(h, t.name, t.size)) {
          expect(agrees(check), `${t.name}[${check.coordinate}]: analytic ${check.analytic} vs numeric ${check.numeric}`).toBe(true);
        }
      }
    });
  });

  it("catches a wrong gradient (the check can fail)", async () => {
    const k = await kernelsFor("simd");
    scoped(k, () => {
      const h = new ModelHarness(k, CASES[0][1]);
      const [largest] = coordinateChecks(h, "w1", 1);
      expect(agrees(largest)).toBe(true);
      expect(agrees({ ...largest, analytic: largest.analytic * 0.9 })).toBe(false);
    });
  });
});
