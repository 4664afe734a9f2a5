/**
 * An independent oracle for the transformer: the Nanda et al. (2023) model written directly in
 * TensorFlow.js ops (cpu backend, float32), none of our engine code. The oracle runs the *full*
 * computation — every position through every block, causal attention as a masked score matrix per
 * head — and reads the "=" position at the end, whereas our engine runs only the last position's
 * queries, attention output and MLP in its last block; both must give the same logits and the same
 * gradients. Gradients come from tfjs's autodiff.
 *
 * Both sides start from our initial parameters with the biases and the LayerNorm gains/offsets
 * (initialised to 0 and 1) randomised first, so the forward pass depends on them. We check
 * (1) logits and loss, (2) every parameter gradient, (3) the parameters after one AdamW step
 * against torch.optim.AdamW's formula applied in float64 JS to the tfjs gradients.
 *
 * Errors are measured per tensor as max |ours − oracle| / max |oracle|.
 *
 * One gradient is zero in exact arithmetic: the key bias bk adds the same q·bk to every score of a
 * query, and softmax ignores such a shift, so ∂L/∂bk ≡ 0 and both sides hold only rounding noise
 * there. Relative to its own max that noise is meaningless; it is measured on the scale of the same
 * layer's ∂L/∂bq instead (see zeroGradScale).
 */
import * as tf from "@tensorflow/tfjs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { kernelsFor, scoped } from "../support/kernels.js";
import { ModelHarness } from "../support/model-harness.js";
import { oracleBase, oracleChecks, type OracleBase, randomiseVectors, snapshot } from "../support/tfjs-oracle.js";

/**
 * Relative tolerances per tensor (beyond the per-element slack described at compareSteps in
 * tests/support/tfjs-oracle.ts, for the optimizer checks). Both sides are float32 with different
 * summation orders and different LayerNorm/softmax compositions (the oracle also runs the positions our last block skips). Over
 * nine data/initialisation seeds the measured worst cases were 5.2e-7 (logits), 1.1e-6 (gradients),
 * 1.1e-7 (parameters after a step) and 8.0e-7 (Δp); the printed summary after the run gives this
 * seed's. Each bound is about five to ten times the worst seen, and far below what a formula error
 * produces (the failing-oracle test: a 1e-4 gradient perturbation, a wrong attention scale and a
 * missing causal mask are all caught).
 */
const TOL = {
  /** Logits and the loss. */
  forward: 5e-6,
  /** Every parameter gradient (∂L/∂bk on the scale of ∂L/∂bq, see zeroGradScale). */
  grad: 1e-5,
  /** Parameters after a step, relative to max |p|. */
  param: 1e-6,
  /** The step Δp = p_after − p_before, relative to max |Δp|. */
  update: 5e-6,
};

const SEQ = 3;
const LN_EPS = 1e-5;

// ---------------------------------------------------------------------------------------------
// The oracle: the transformer in tfjs ops.

interface Oracle extends OracleBase {
  /** [rows, 3] int32: a, b, p. */
  tokens: tf.Tensor2D;
  rows: number;
  d: number;
  heads: number;
  layers: number;
  layerNorm: boolean;
  bias: boolean;
  /** Deliberate mistakes, for the test that shows the oracle can fail. */
  mistake?: "scale-by-sqrt-d" | "no-causal-mask";
}

function makeOracle(h: ModelHarness, mistake?: Oracle["mistake"]): Oracle {
  const model = h.config.model;
  if (model.kind !== "transformer") throw new Error("the oracle is a transformer");
  const rows = h.batch.rows, train = h.data.train, p = h.data.shape.vocab;
  const ids = new Int32Array(rows * SEQ);
  for (let i = 0; i < rows; i++) {
    ids[i * SEQ] = train.tokens[0][i];
    ids[i * SEQ + 1] = train.tokens[1][i];
    ids[i * SEQ + 2] = p;
  }
  return {
    ...oracleBase(h),
    tokens: tf.tensor2d(ids, [rows, SEQ], "int32"),
    rows,
    d: model.dModel,
    heads: model.heads,
    layers: model.layers,
    layerNorm: model.layerNorm,
    bias: model.bias,
    mistake,
  };
}

/** LayerNorm over the last axis: γ·(x − μ)/√(σ² + ε) + β, σ² the biased variance. */
function layerNorm(x: tf.Tensor, gamma: tf.Tensor, beta: tf.Tensor): tf.Tensor {
  const mean = tf.mean(x, -1, true);
  const centred = tf.sub(x, mean);
  const variance = tf.mean(tf.square(centred), -1, true);
  return tf.add(tf.mul(gamma, tf.div(centred, tf.sqrt(tf.add(variance, LN_EPS)))), beta);
}

/** Logits [rows, classes] from parameter tensors given in layout order. */
function forward(o: Oracle, params: tf.Tensor[]): tf.Tensor2D {
  const p = (name: string) => {
    const i = o.names.indexOf(name);
    if (i < 0) throw new Error(`oracle: no parameter ${name}`);
    return params[i];
  };
  const B = o.rows, d = o.d, H = o.heads, hd = d / H, N = B * SEQ;
  const lin = (x: tf.Tensor2D, w: string, b: string) => {
    const y = tf.matMul(x, p(w) as tf.Tensor2D);
    return (o.bias ? tf.add(y, p(b)) : y) as tf.Tensor2D;
  };
  // [N, d] → [B, H, SEQ, hd]
  const splitHeads = (t: tf.Tensor2D) => tf.transpose(tf.reshape(t, [B, SEQ, H, hd]), [0, 2, 1, 3]);
  // Causal mask: query i sees keys j ≤ i; masked scores get −1e9 added (exp underflows to exactly 0).
  const maskData = new Float32Array(SEQ * SEQ);
  for (let i = 0; i < SEQ; i++) for (let j = 0; j < SEQ; j++) maskData[i * SEQ + j] = j > i && o.mistake !== "no-causal-mask" ? -1e9 : 0;
  const mask = tf.tensor2d(maskData, [SEQ, SEQ]);
  const scale = o.mistake === "scale-by-sqrt-d" ? 1 / Math.sqrt(d) : 1 / Math.sqrt(hd);

  // x₀ = E[token] + P[position], rows b·SEQ + t.
  const emb = tf.gather(p("tokenEmbedding"), tf.reshape(o.tokens, [N]));
  let x = tf.reshape(tf.add(tf.reshape(emb, [B, SEQ, d]), p("positionEmbedding")), [N, d]) as tf.Tensor2D;
  for (let l = 0; l < o.layers; l++) {
    const pre = `l${l}.`;
    const h = (o.layerNorm ? layerNorm(x, p(`${pre}ln1.gamma`), p(`${pre}ln1.beta`)) : x) as tf.Tensor2D;
    const q = splitHeads(lin(h, `${pre}wq`, `${pre}bq`));
    const k = splitHeads(lin(h, `${pre}wk`, `${pre}bk`));
    const v = splitHeads(lin(h, `${pre}wv`, `${pre}bv`));
    const scores = tf.add(tf.mul(tf.matMul(q, k, false, true), scale), mask); // [B, H, SEQ, SEQ]
    const probs = tf.softmax(scores, -1);
    const heads = tf.matMul(probs, v); // [B, H, SEQ, hd]
    const attn = tf.reshape(tf.transpose(heads, [0, 2, 1, 3]), [N, d]) as tf.Tensor2D;
    const x1 = tf.add(x, lin(attn, `${pre}wo`, `${pre}bo`)) as tf.Tensor2D;
    const h2 = (o.layerNorm ? layerNorm(x1, p(`${pre}ln2.gamma`), p(`${pre}ln2.beta`)) : x1) as tf.Tensor2D;
    const r = tf.relu(lin(h2, `${pre}wIn`, `${pre}bIn`)) as tf.Tensor2D;
    x = tf.add(x1, lin(r, `${pre}wOut`, `${pre}bOut`)) as tf.Tensor2D;
  }
  // Read out at the "=" position (2).
  let last = tf.reshape(tf.slice(tf.reshape(x, [B, SEQ, d]), [0, SEQ - 1, 0], [B, 1, d]), [B, d]) as tf.Tensor2D;
  if (o.layerNorm) last = layerNorm(last, p("lnf.gamma"), p("lnf.beta")) as tf.Tensor2D;
  return lin(last, "unembed", "unembedBias");
}

const disposeOracle = (o: Oracle) => tf.dispose([o.tokens, o.targets]);

function maxAbs(a: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]));
  return m;
}

/**
 * The scale a gradient is measured on: its own max |value|, except for ∂L/∂bk, which is zero in
 * exact arithmetic (softmax shift invariance) and is measured on the same layer's ∂L/∂bq.
 */
function zeroGradScale(o: Oracle, name: string, grads: ArrayLike<number>[]): number | undefined {
  const m = /^(l\d+)\.bk$/.exec(name);
  return m ? maxAbs(grads[o.names.indexOf(`${m[1]}.bq`)]) : undefined;
}

/**
 * ∂L/∂bk is pure rounding noise, so at step 1 Adam moves bk by ≈ lr·sign(noise) on either side: the
 * step's slack (see compareSteps) is the whole step, bk's step check says only that the decay and
 * the update's size are right, and bk is left out of the worst errors without slack.
 */
const { evaluate, verdict, compareForwardBackward, compareSteps, report } = oracleChecks(forward, TOL, { rawExcept: /\.bk after/, gradScale: zeroGradScale });

// ---------------------------------------------------------------------------------------------

const optimizer = { kind: "adamw", lr: 1e-2, beta1: 0.9, beta2: 0.98, weightDecay: 1 } as const;
const modular = (p: number) => ({ kind: "modular", p, op: "add", trainFraction: 0.6 }) as const;
const base = { version: 1, optimizer, steps: 1, evalInterval: 1, seed: 5 };

const CASES: [string, object][] = [
  [
    "p=11, 1 layer, no LayerNorm, biases (Nanda et al.), cross-entropy, d 12, 3 heads, dMlp 24",
    { ...base, task: modular(11), loss: "cross-entropy", model: { kind: "transformer", layers: 1, dModel: 12, heads: 3, dMlp: 24, layerNorm: false, bias: true } },
  ],
  [
    "p=7, 2 layers, LayerNorm, biases, cross-entropy, d 16, 4 heads, dMlp 20",
    { ...base, task: modular(7), loss: "cross-entropy", model: { kind: "transformer", layers: 2, dModel: 16, heads: 4, dMlp: 20, layerNorm: true, bias: true } },
  ],
  [
    "p=11, 2 layers, LayerNorm, no biases, mse, d 8, 2 heads, dMlp 12",
    { ...base, task: modular(11), loss: "mse", model: { kind: "transformer", layers: 2, dModel: 8, heads: 2, dMlp: 12, layerNorm: true, bias: false } },
  ],
];

describe("the transformer agrees with an independent TensorFlow.js oracle", () => {
  beforeAll(async () => {
    await tf.setBackend("cpu");
    await tf.ready();
  });
  afterAll(() => report("tfjs transformer oracle", (k, w, tol) => `  ${k.padEnd(7)} ${w.unexplained.toExponential(2)} (${w.where}), tolerance ${tol}` + (w.rawWhere !== w.where ? `; without slack ${w.raw.toExponential(2)} (${w.rawWhere})` : "")));

  it.each(CASES)("%s: logits, loss, gradients, one AdamW step", async (label, config) => {
    const k = await kernelsFor("simd");
    scoped(k, () => {
      const h = new ModelHarness(k, config);
      randomiseVectors(h, 17);
      const o = makeOracle(h);
      try {
        compareForwardBackward(h, o, label);
        compareSteps(h, o, label, 1);
      } finally {
        disposeOracle(o);
      }
    });
  });

  it("catches a wrong gradient, a wrong attention scale and a missing causal mask (the oracle can fail)", async () => {
    const k = await kernelsFor("simd");
    scoped(k, () => {
      const h = new ModelHarness(k, CASES[1][1]);
      randomiseVectors(h, 17);
      const o = makeOracle(h);
      const wrongScale = makeOracle(h, "scale-by-sqrt-d"), noMask = makeOracle(h, "no-causal-mask");
      try {
        const start = snapshot(h);
        const ref = evaluate(o, start);
        h.backward();
        // One entry of the first layer's query-weight gradient off by 1e-4 of the tensor's largest entry: caught.
        const i = o.names.indexOf("l0.wq");
        const g = h.grad("l0.wq");
        expect(verdict("grad", g, ref.grads[i]).pass).toBe(true);
        g[g.length >> 1] += 1e-4 * maxAbs(ref.grads[i]);
        expect(verdict("grad", g, ref.grads[i]).pass).toBe(false);
        // Plausible formula mistakes in the model disagree with our logits far beyond tolerance.
        const logits = h.logits();
        expect(verdict("forward", logits, ref.logits).pass).toBe(true);
        for (const wrong of [wrongScale, noMask]) {
          const e = verdict("forward", logits, evaluate(wrong, start).logits);
          expect(e.pass, wrong.mistake).toBe(false);
          expect(e.raw, wrong.mistake).toBeGreaterThan(100 * TOL.forward);
        }
      } finally {
        [o, wrongScale, noMask].forEach(disposeOracle);
      }
    });
  });
});
