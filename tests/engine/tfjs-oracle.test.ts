/**
 * An independent oracle for the MLP, as llm.c's test_gpt2 checks its C against PyTorch: the same
 * network written in TensorFlow.js — the engine's tfjs twin (src/engine/models/mlp/tfjs.ts), run on
 * tfjs's cpu backend in float32, none of our kernels. The twin builds the input the textbook way —
 * the two operands' embedding rows side by side (a one-hot matrix times E), or two one-hots side by
 * side, or the pixels — not through our factorised first layer; gradients come from tfjs's
 * autodiff. Both sides start from our initial parameters (biases randomised first, so the forward
 * pass exercises them), and we check (1) logits and loss, (2) every parameter gradient, (3) the
 * parameters after optimizer steps against src/tfjs's optimizer (PyTorch's AdamW / SGD formulas in
 * tfjs ops) on the tfjs run's own trajectory.
 *
 * Errors are measured per tensor as max |ours − oracle| / max |oracle|. Tolerances (see TOL) are
 * float32 on both sides with different summation orders (our first layer sums E·W₀ per vocabulary
 * row and then gathers, the oracle takes the rows and then multiplies), plus our tanh/GELU evaluated
 * in f64 and rounded once against tfjs's f32 composition of ops.
 */
import * as tf from "@tensorflow/tfjs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadMnistFromBuild } from "../../src/hosts/node/mnist.js";
import { kernelsFor, scoped } from "../support/kernels.js";
import { ModelHarness } from "../support/model-harness.js";
import { compare, evaluate, namesOf, oneStep, onWasmBackend, oracleChecks, randomiseVectors, snapshot, tfjsTrace } from "../support/tfjs-oracle.js";

/**
 * Relative tolerances, per tensor: max |ours − oracle| / max |oracle| (beyond the per-element slack
 * described at compareSteps in tests/support/tfjs-oracle.ts, for the optimizer checks). Both sides
 * are float32 with different summation orders, so a few ulps (f32 ulp = 1.2e-7 relative) of
 * accumulated rounding are expected; the measured worst cases over all cases (printed after the run)
 * are 3.4e-7 (logits), 5.1e-7 (gradients), 8.8e-8 (parameters after a step) and 4.9e-7 (the steps
 * Δp). Each bound is about ten times its measured worst — tightened from the first guesses of
 * 1e-4/1e-3, which would have let a missing small term through — and still far below what a formula
 * error produces (the failing-oracle test perturbs by 1e-4).
 */
const TOL = {
  /** Logits and the loss. */
  forward: 3e-6,
  /** Every parameter gradient. */
  grad: 5e-6,
  /** Parameters after a step, relative to max |p|: two f32 roundings of p per step. */
  param: 1e-6,
  /** The step Δp = p_after − p_before, relative to max |Δp| (Δp ≈ lr, so this sees the update's arithmetic). */
  update: 5e-6,
};

/**
 * tfjs on its wasm backend against tfjs on cpu, relative to each tensor's max: both f32, the wasm
 * backend's matmuls and reductions (XNNPACK) summing in other orders.
 */
const BACKENDS_TOL = 1e-5;

/** max |ours − ref| / max |ref| (absolute when ref is all zeros). */
function relError(ours: ArrayLike<number>, ref: ArrayLike<number>): number {
  return compare(ours, ref).raw;
}

const { verdict, compareForwardBackward, compareSteps, report } = oracleChecks(TOL, { slackName: "the gradient discrepancy's share" });

// ---------------------------------------------------------------------------------------------

const adamw = { kind: "adamw", lr: 1e-2, beta1: 0.9, beta2: 0.98, weightDecay: 1 } as const;
const modular = (p: number) => ({ kind: "modular", p, op: "add", trainFraction: 0.6 }) as const;
const base = { version: 1, optimizer: adamw, steps: 1, evalInterval: 1, seed: 7 };

/** Every input × activation × loss; bias and the hidden shape vary across them so each appears both ways. */
const CASES: [string, object][] = [];
for (const input of ["embedding", "onehot"] as const) {
  for (const [ai, activation] of (["relu", "square", "tanh", "gelu"] as const).entries()) {
    for (const loss of ["cross-entropy", "mse"] as const) {
      const bias = (loss === "cross-entropy") !== (input === "onehot");
      const hidden = ai % 2 === 0 ? [9, 7] : [13];
      const p = input === "embedding" ? 11 : 13;
      const model = { kind: "mlp", input, ...(input === "embedding" ? { embeddingDim: 6 } : {}), hidden, activation, bias };
      CASES.push([`p=${p} ${input}, ${activation}, ${loss}, hidden [${hidden}], ${bias ? "bias" : "no bias"}`, { ...base, task: modular(p), loss, model }]);
    }
  }
}

describe("the MLP agrees with an independent TensorFlow.js oracle", () => {
  beforeAll(async () => {
    await tf.setBackend("cpu");
    await tf.ready();
  });
  afterAll(() => report("tfjs oracle", (k, w, tol) => `  ${k.padEnd(8)} raw ${w.raw.toExponential(2)}, beyond slack ${w.unexplained.toExponential(2)} (${w.where}), tolerance ${tol}`));

  it.each(CASES)("%s: logits, loss, gradients, one AdamW step", async (label, config) => {
    const k = await kernelsFor("simd");
    scoped(k, () => {
      const h = new ModelHarness(k, config);
      randomiseVectors(h, 11);
      compareForwardBackward(h, label);
      compareSteps(h, label, 1);
    });
  });

  it("SGD with momentum and weight decay, two steps (the second uses the velocity)", async () => {
    const k = await kernelsFor("simd");
    scoped(k, () => {
      const config = { ...base, task: modular(11), loss: "cross-entropy", optimizer: { kind: "sgd", lr: 0.5, momentum: 0.9, weightDecay: 0.1 }, model: { kind: "mlp", input: "embedding", embeddingDim: 6, hidden: [9, 7], activation: "gelu", bias: true } };
      const h = new ModelHarness(k, config);
      randomiseVectors(h, 12);
      compareSteps(h, "sgd", 2);
    });
  });

  it("AdamW with the embedding group's own lr and weight decay, two steps", async () => {
    const k = await kernelsFor("simd");
    scoped(k, () => {
      const optimizer = { ...adamw, embedding: { lr: 3e-3, weightDecay: 0.1 } };
      const config = { ...base, task: modular(13), loss: "cross-entropy", optimizer, model: { kind: "mlp", input: "embedding", embeddingDim: 6, hidden: [13], activation: "relu", bias: true } };
      const h = new ModelHarness(k, config);
      randomiseVectors(h, 13);
      const names = namesOf(h), start = snapshot(h);
      const g = evaluate(h, start).grads;
      // After step 1 the check discriminates: the embedding moved by its group's values, not the main ones (and w0 by the main ones).
      const discriminates = () => {
        const allMain = oneStep(h.state.layout, { optimizer: { ...h.config.optimizer, embedding: {} } }, start, g);
        const allEmbedding = oneStep(h.state.layout, { optimizer: { ...h.config.optimizer, lr: 3e-3, weightDecay: 0.1 } }, start, g);
        expect(relError(h.param("embedding"), allMain[names.indexOf("embedding")])).toBeGreaterThan(100 * TOL.param);
        expect(relError(h.param("w0"), allEmbedding[names.indexOf("w0")])).toBeGreaterThan(100 * TOL.param);
      };
      compareSteps(h, "embedding group", 2, (t) => t === 1 && discriminates());
    });
  });

  it("AdamW with linear warm-up and the norm constraint (Omnigrok), three steps", async () => {
    const k = await kernelsFor("simd");
    scoped(k, () => {
      // lr 0.1: steps well above the few f32 ulps of p that the rescaling's rounding moves them by.
      const optimizer = { ...adamw, lr: 0.1, warmupSteps: 2, embedding: { lr: 3e-2 } };
      const config = { ...base, task: modular(11), loss: "cross-entropy", optimizer, constrainNorm: 20, model: { kind: "mlp", input: "embedding", embeddingDim: 6, hidden: [9], activation: "tanh", bias: true } };
      const h = new ModelHarness(k, config);
      randomiseVectors(h, 15);
      compareSteps(h, "warm-up and norm constraint", 3);
      const norm = Math.sqrt(snapshot(h).reduce((s, a) => a.reduce((t, x) => t + x * x, s), 0));
      expect(norm).toBeCloseTo(20, 4);
    });
  });

  it("pixel input (MNIST digits), tanh, mse: logits, loss, gradients, one AdamW step", async () => {
    const k = await kernelsFor("simd");
    const mnist = await loadMnistFromBuild();
    scoped(k, () => {
      const config = { ...base, task: { kind: "mnist", trainSize: 48, testSize: 8 }, loss: "mse", model: { kind: "mlp", input: "pixels", hidden: [13], activation: "tanh", bias: true } };
      const h = new ModelHarness(k, config, { mnist });
      randomiseVectors(h, 14);
      compareForwardBackward(h, "pixels");
      compareSteps(h, "pixels", 1);
    });
  });

  it("the twin, loss and optimizers run on tfjs-backend-wasm as on cpu, and free every tensor: every input, activation, loss and optimizer", async () => {
    const k = await kernelsFor("simd");
    const mnist = await loadMnistFromBuild();
    const configs = [
      ...CASES.map(([, config]) => config),
      { ...base, task: modular(11), loss: "mse", optimizer: { kind: "sgd", lr: 0.5, momentum: 0.9, weightDecay: 0.1, warmupSteps: 2 }, constrainNorm: 20, model: { kind: "mlp", input: "embedding", embeddingDim: 6, hidden: [9, 7], activation: "gelu", bias: true } },
      { ...base, task: { kind: "mnist", trainSize: 48, testSize: 8 }, model: { kind: "mlp", input: "pixels", hidden: [13], activation: "relu", bias: true } },
    ];
    for (const config of configs) {
      // The harness only supplies the config, batch and start here; its arena memory is not needed after.
      const [h, start] = scoped(k, () => {
        const h = new ModelHarness(k, config, { mnist });
        randomiseVectors(h, 16);
        return [h, snapshot(h)] as const;
      });
      const tensors = tf.memory().numTensors;
      const cpu = tfjsTrace(h, start, 2), wasm = await onWasmBackend(() => tfjsTrace(h, start, 2));
      const label = JSON.stringify(h.config.model);
      // A disposed run leaves no tensor behind (variables, moments, inputs, intermediates).
      expect(tf.memory().numTensors, label).toBe(tensors);
      expect(relError(wasm.logits, cpu.logits), label).toBeLessThan(BACKENDS_TOL);
      expect(Math.abs(wasm.loss - cpu.loss) / cpu.loss, label).toBeLessThan(BACKENDS_TOL);
      cpu.grads.forEach((g, i) => expect(relError(wasm.grads[i], g), label).toBeLessThan(BACKENDS_TOL));
      cpu.params.forEach((p, i) => expect(relError(wasm.params[i], p), label).toBeLessThan(BACKENDS_TOL));
    }
  });

  it("catches a wrong gradient, logit or optimizer formula (the oracle can fail)", async () => {
    const k = await kernelsFor("simd");
    scoped(k, () => {
      const h = new ModelHarness(k, CASES[0][1]);
      randomiseVectors(h, 11);
      const names = namesOf(h), start = snapshot(h);
      const ref = evaluate(h, start);
      h.backward();
      const i = names.indexOf("w1");
      const g = h.grad("w1");
      expect(verdict("grad", g, ref.grads[i]).pass).toBe(true);
      // One entry of one of our gradients off by 1e-4 of the tensor's largest entry: caught.
      const scale = Math.max(...ref.grads[i].map(Math.abs));
      const j = g.length >> 1, original = g[j];
      g[j] += 1e-4 * scale;
      expect(verdict("grad", g, ref.grads[i]).pass).toBe(false);
      g[j] = original;
      // The largest logit off by 1e-4 of itself: caught.
      const logits = h.logits();
      const top = logits.reduce((best, x, n) => (Math.abs(x) > Math.abs(logits[best]) ? n : best), 0);
      logits[top] *= 1 + 1e-4;
      expect(verdict("forward", logits, ref.logits).pass).toBe(false);
      // Adam with coupled L2 decay (torch.optim.Adam's weight_decay) instead of AdamW's decoupled decay: caught.
      h.step(1);
      const wd = h.config.optimizer.weightDecay;
      const coupled = ref.grads.map((gn, n) => gn.map((x, e) => x + wd * start[n][e]));
      const adam = oneStep(h.state.layout, { optimizer: { ...h.config.optimizer, weightDecay: 0 } }, start, coupled);
      names.forEach((name, n) => expect(verdict("param", h.param(name), adam[n]).pass, name).toBe(false));
    });
  });
});
