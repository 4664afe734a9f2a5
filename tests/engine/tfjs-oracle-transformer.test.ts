/**
 * An independent oracle for the transformer: the Nanda et al. (2023) model written in TensorFlow.js
 * ops — the engine's tfjs twin (src/engine/models/transformer/tfjs.ts), run on tfjs's cpu backend in
 * float32, none of our kernels. The twin runs the *full* computation — every position through every
 * block, causal attention as a masked score matrix per head — and reads the "=" position at the
 * end, whereas our engine runs only the last position's queries, attention output and MLP in its
 * last block; both must give the same logits and the same gradients. Gradients come from tfjs's
 * autodiff.
 *
 * Both sides start from our initial parameters with the biases and the LayerNorm gains/offsets
 * (initialised to 0 and 1) randomised first, so the forward pass depends on them. We check
 * (1) logits and loss, (2) every parameter gradient, (3) the parameters after one AdamW step
 * against src/tfjs's AdamW (torch.optim.AdamW's formula in tfjs ops) on the tfjs run's own gradients.
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
import type { TransformerConfig } from "../../src/config/run-config.js";
import { transformerTwin } from "../../src/engine/models/transformer/tfjs.js";
import { kernelsFor, scoped } from "../support/kernels.js";
import { ModelHarness } from "../support/model-harness.js";
import { compare, evaluate, harnessBatch, namesOf, onWasmBackend, oracleChecks, randomiseVectors, snapshot, tfjsTrace } from "../support/tfjs-oracle.js";

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

/**
 * tfjs on its wasm backend against tfjs on cpu, relative to each tensor's max: both f32, the wasm
 * backend's matmuls and reductions (XNNPACK) summing in other orders.
 */
const BACKENDS_TOL = 1e-5;

function maxAbs(a: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]));
  return m;
}

/**
 * The scale a gradient is measured on: its own max |value|, except for ∂L/∂bk, which is zero in
 * exact arithmetic (softmax shift invariance) and is measured on the same layer's ∂L/∂bq.
 */
function zeroGradScale(names: string[], name: string, grads: ArrayLike<number>[]): number | undefined {
  const m = /^(l\d+)\.bk$/.exec(name);
  return m ? maxAbs(grads[names.indexOf(`${m[1]}.bq`)]) : undefined;
}

/**
 * ∂L/∂bk is pure rounding noise, so at step 1 Adam moves bk by ≈ lr·sign(noise) on either side: the
 * step's slack (see compareSteps) is the whole step, bk's step check says only that the decay and
 * the update's size are right, and bk is left out of the worst errors without slack.
 */
const { verdict, compareForwardBackward, compareSteps, report } = oracleChecks(TOL, { rawExcept: /\.bk after/, gradScale: zeroGradScale });

/**
 * The logits of the twin at `values` with one plausible mistake made: every attention score scaled
 * by 1/√dModel instead of 1/√headDim (the same as scaling each query, i.e. wq and bq, by
 * √(headDim/dModel)), or no causal mask (the twin's mask input replaced by zeros).
 */
function wrongLogits(h: ModelHarness, values: Float32Array[], mistake: "scale-by-sqrt-d" | "no-causal-mask"): Float32Array {
  const model = h.config.model as TransformerConfig;
  const twin = transformerTwin(model, h.data.shape);
  const inputs = twin.inputs(tf, harnessBatch(h));
  try {
    return tf.tidy(() => {
      const headDim = model.dModel / model.heads, queryScale = Math.sqrt(headDim / model.dModel);
      const params = twin.layout.tensors.map((t, i) => {
        const p = tf.tensor(values[i], t.shape as number[]);
        return mistake === "scale-by-sqrt-d" && /^l\d+\.[wb]q$/.test(t.name) ? tf.mul(p, queryScale) : p;
      });
      const given = mistake === "no-causal-mask" ? { ...inputs, causalMask: tf.zerosLike(inputs.causalMask) } : inputs;
      return twin.forward(tf, params, given).dataSync() as Float32Array;
    });
  } finally {
    tf.dispose(Object.values(inputs));
  }
}

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
      compareForwardBackward(h, label);
      compareSteps(h, label, 1);
    });
  });

  it.each(CASES)("%s: the twin and AdamW run on tfjs-backend-wasm as on cpu", async (_, config) => {
    const k = await kernelsFor("simd");
    // The harness only supplies the config, batch and start here; its arena memory is not needed after.
    const [h, start] = scoped(k, () => {
      const h = new ModelHarness(k, config);
      randomiseVectors(h, 18);
      return [h, snapshot(h)] as const;
    });
    const names = namesOf(h);
    const cpu = tfjsTrace(h, start, 2), wasm = await onWasmBackend(() => tfjsTrace(h, start, 2));
    expect(compare(wasm.logits, cpu.logits).raw).toBeLessThan(BACKENDS_TOL);
    expect(Math.abs(wasm.loss - cpu.loss) / cpu.loss).toBeLessThan(BACKENDS_TOL);
    names.forEach((name, i) => expect(compare(wasm.grads[i], cpu.grads[i], undefined, zeroGradScale(names, name, cpu.grads)).raw, name).toBeLessThan(BACKENDS_TOL));
    // bk's steps follow the sign of its rounding noise (see compareSteps above), on either backend.
    names.forEach((name, i) => /\.bk$/.test(name) || expect(compare(wasm.params[i], cpu.params[i]).raw, name).toBeLessThan(BACKENDS_TOL));
  });

  it("catches a wrong gradient, a wrong attention scale and a missing causal mask (the oracle can fail)", async () => {
    const k = await kernelsFor("simd");
    scoped(k, () => {
      const h = new ModelHarness(k, CASES[1][1]);
      randomiseVectors(h, 17);
      const names = namesOf(h), start = snapshot(h);
      const ref = evaluate(h, start);
      h.backward();
      // One entry of the first layer's query-weight gradient off by 1e-4 of the tensor's largest entry: caught.
      const i = names.indexOf("l0.wq");
      const g = h.grad("l0.wq");
      expect(verdict("grad", g, ref.grads[i]).pass).toBe(true);
      g[g.length >> 1] += 1e-4 * maxAbs(ref.grads[i]);
      expect(verdict("grad", g, ref.grads[i]).pass).toBe(false);
      // Plausible formula mistakes in the model disagree with our logits far beyond tolerance.
      const logits = h.logits();
      expect(verdict("forward", logits, ref.logits).pass).toBe(true);
      for (const mistake of ["scale-by-sqrt-d", "no-causal-mask"] as const) {
        const e = verdict("forward", logits, wrongLogits(h, start, mistake));
        expect(e.pass, mistake).toBe(false);
        expect(e.raw, mistake).toBeGreaterThan(100 * TOL.forward);
      }
    });
  });
});
