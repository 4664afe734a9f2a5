/**
 * An independent oracle for the MLP, as llm.c's test_gpt2 checks its C against PyTorch: the same
 * network written directly in TensorFlow.js (cpu backend, float32), none of our engine code. The
 * input is built the textbook way — gather the two operands' embedding rows and concatenate, or
 * concatenate two one-hots, or the pixels — not through our factorised first layer; gradients come
 * from tfjs's autodiff. Both sides start from our initial parameters (biases randomised first, so
 * the forward pass exercises them), and we check (1) logits and loss, (2) every parameter gradient,
 * (3) the parameters after optimizer steps against the textbook update (PyTorch's AdamW / SGD
 * formulas) applied in float64 JS to the tfjs gradients.
 *
 * Errors are measured per tensor as max |ours − oracle| / max |oracle|. Tolerances (see TOL) are
 * float32 on both sides with different summation orders (our first layer sums E·W₀ per vocabulary
 * row and then gathers, the oracle gathers then multiplies), plus our tanh/GELU evaluated in f64
 * and rounded once against tfjs's f32 composition of ops.
 */
import * as tf from "@tensorflow/tfjs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Activation } from "../../src/config/run-config.js";
import { loadMnistFromBuild } from "../../src/hosts/node/mnist.js";
import { kernelsFor, scoped } from "../support/kernels.js";
import { ModelHarness } from "../support/model-harness.js";
import { adamwStep, compare, oracleBase, oracleChecks, type OracleBase, randomiseVectors, snapshot } from "../support/tfjs-oracle.js";

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

// ---------------------------------------------------------------------------------------------
// The oracle: the MLP in tfjs ops.

type Inputs = { kind: "embedding" | "onehot"; a: tf.Tensor1D; b: tf.Tensor1D; vocab: number } | { kind: "pixels"; x: tf.Tensor2D };

interface Oracle extends OracleBase {
  inputs: Inputs;
  activation: Activation;
  bias: boolean;
  layers: number;
}

function makeOracle(s: ModelHarness): Oracle {
  const model = s.config.model;
  if (model.kind !== "mlp") throw new Error("the oracle is an MLP");
  const rows = s.batch.rows, train = s.data.train;
  const inputs: Inputs =
    model.input === "pixels"
      ? { kind: "pixels", x: tf.tensor2d(train.inputs!.subarray(0, rows * s.data.shape.features), [rows, s.data.shape.features]) }
      : { kind: model.input, a: tf.tensor1d(train.tokens[0].subarray(0, rows), "int32"), b: tf.tensor1d(train.tokens[1].subarray(0, rows), "int32"), vocab: s.data.shape.vocab };
  return {
    ...oracleBase(s),
    inputs,
    activation: model.activation,
    bias: model.bias,
    layers: model.hidden.length + 1,
  };
}

function activate(kind: Oracle["activation"], x: tf.Tensor): tf.Tensor {
  switch (kind) {
    case "relu":
      return tf.relu(x);
    case "square":
      return tf.square(x);
    case "tanh":
      return tf.tanh(x);
    case "gelu": {
      // ½·x·(1 + tanh(√(2/π)·(x + 0.044715·x³)))
      const u = tf.mul(Math.sqrt(2 / Math.PI), tf.add(x, tf.mul(0.044715, tf.pow(x, 3))));
      return tf.mul(tf.mul(0.5, x), tf.add(1, tf.tanh(u)));
    }
  }
}

/** Logits from parameter tensors given in layout order. */
function forward(o: Oracle, params: tf.Tensor[]): tf.Tensor2D {
  const p = (name: string) => params[o.names.indexOf(name)];
  let x: tf.Tensor2D;
  const inp = o.inputs;
  if (inp.kind === "pixels") x = inp.x;
  else if (inp.kind === "embedding") x = tf.concat([tf.gather(p("embedding"), inp.a), tf.gather(p("embedding"), inp.b)], 1) as tf.Tensor2D;
  else x = tf.concat([tf.oneHot(inp.a, inp.vocab), tf.oneHot(inp.b, inp.vocab)], 1).toFloat() as tf.Tensor2D;
  for (let l = 0; l < o.layers; l++) {
    let z = tf.matMul(x, p(`w${l}`) as tf.Tensor2D);
    if (o.bias) z = tf.add(z, p(`b${l}`));
    x = (l + 1 < o.layers ? activate(o.activation, z) : z) as tf.Tensor2D;
  }
  return x;
}

const disposeOracle = (o: Oracle) => {
  const inp = o.inputs;
  tf.dispose(inp.kind === "pixels" ? [inp.x] : [inp.a, inp.b]);
  o.targets.dispose();
};

/** max |ours − ref| / max |ref| (absolute when ref is all zeros). */
function relError(ours: ArrayLike<number>, ref: ArrayLike<number>): number {
  return compare(ours, ref).raw;
}

const { evaluate, verdict, compareForwardBackward, compareSteps, report } = oracleChecks(forward, TOL, { slackName: "the gradient discrepancy's share" });

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
      const o = makeOracle(h);
      try {
        compareForwardBackward(h, o, label);
        compareSteps(h, o, label, 1);
      } finally {
        disposeOracle(o);
      }
    });
  });

  it("SGD with momentum and weight decay, two steps (the second uses the velocity)", async () => {
    const k = await kernelsFor("simd");
    scoped(k, () => {
      const config = { ...base, task: modular(11), loss: "cross-entropy", optimizer: { kind: "sgd", lr: 0.5, momentum: 0.9, weightDecay: 0.1 }, model: { kind: "mlp", input: "embedding", embeddingDim: 6, hidden: [9, 7], activation: "gelu", bias: true } };
      const h = new ModelHarness(k, config);
      randomiseVectors(h, 12);
      const o = makeOracle(h);
      try {
        compareSteps(h, o, "sgd", 2);
      } finally {
        disposeOracle(o);
      }
    });
  });

  it("AdamW with the embedding group's own lr and weight decay, two steps", async () => {
    const k = await kernelsFor("simd");
    scoped(k, () => {
      const optimizer = { ...adamw, embedding: { lr: 3e-3, weightDecay: 0.1 } };
      const config = { ...base, task: modular(13), loss: "cross-entropy", optimizer, model: { kind: "mlp", input: "embedding", embeddingDim: 6, hidden: [13], activation: "relu", bias: true } };
      const h = new ModelHarness(k, config);
      randomiseVectors(h, 13);
      const o = makeOracle(h);
      try {
        const e0 = Float64Array.from(h.param("embedding")), w0 = Float64Array.from(h.param("w0"));
        const g = evaluate(o, snapshot(h)).grads;
        // After step 1 the check discriminates: the embedding moved by its group's values, not the main ones (and w0 by the main ones).
        const discriminates = () => {
          const eMain = Float64Array.from(e0), wEmb = Float64Array.from(w0);
          adamwStep(eMain, new Float64Array(e0.length), new Float64Array(e0.length), g[o.names.indexOf("embedding")], { lr: 1e-2, wd: 1 }, 0.9, 0.98, 1e-8, 1);
          adamwStep(wEmb, new Float64Array(w0.length), new Float64Array(w0.length), g[o.names.indexOf("w0")], { lr: 3e-3, wd: 0.1 }, 0.9, 0.98, 1e-8, 1);
          expect(relError(h.param("embedding"), eMain)).toBeGreaterThan(100 * TOL.param);
          expect(relError(h.param("w0"), wEmb)).toBeGreaterThan(100 * TOL.param);
        };
        compareSteps(h, o, "embedding group", 2, (t) => t === 1 && discriminates());
      } finally {
        disposeOracle(o);
      }
    });
  });

  it("pixel input (MNIST digits), tanh, mse: logits, loss, gradients, one AdamW step", async () => {
    const k = await kernelsFor("simd");
    const mnist = await loadMnistFromBuild();
    scoped(k, () => {
      const config = { ...base, task: { kind: "mnist", trainSize: 48, testSize: 8 }, loss: "mse", model: { kind: "mlp", input: "pixels", hidden: [13], activation: "tanh", bias: true } };
      const h = new ModelHarness(k, config, { mnist });
      randomiseVectors(h, 14);
      const o = makeOracle(h);
      try {
        compareForwardBackward(h, o, "pixels");
        compareSteps(h, o, "pixels", 1);
      } finally {
        disposeOracle(o);
      }
    });
  });

  it("catches a wrong gradient, logit or optimizer formula (the oracle can fail)", async () => {
    const k = await kernelsFor("simd");
    scoped(k, () => {
      const h = new ModelHarness(k, CASES[0][1]);
      randomiseVectors(h, 11);
      const o = makeOracle(h);
      try {
        const start = snapshot(h);
        const ref = evaluate(o, start);
        h.backward();
        const i = o.names.indexOf("w1");
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
        const opt = adamw;
        o.names.forEach((name, n) => {
          const p = Float64Array.from(start[n]), coupled = ref.grads[n].map((x, e) => x + opt.weightDecay * p[e]);
          adamwStep(p, new Float64Array(p.length), new Float64Array(p.length), coupled, { lr: opt.lr, wd: 0 }, opt.beta1, opt.beta2, 1e-8, 1);
          expect(verdict("param", h.param(name), p).pass, name).toBe(false);
        });
      } finally {
        disposeOracle(o);
      }
    });
  });
});
