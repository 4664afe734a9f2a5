/**
 * What the TensorFlow.js oracles (tests/engine/tfjs-oracle*.test.ts) share: the loss and its
 * autodiff in tfjs, the textbook optimizer steps in float64 (PyTorch's AdamW / SGD formulas), the
 * relative-error comparisons with their tolerances and the record of the worst errors seen. Each
 * test file brings its model's forward pass in tfjs ops and its tolerances.
 */
import * as tf from "@tensorflow/tfjs";
import { expect } from "vitest";
import type { RunConfig } from "../../src/config/run-config.js";
import type { ModelHarness } from "./model-harness.js";
import { mulberry32 } from "./random.js";

// ---------------------------------------------------------------------------------------------
// The oracle's model, loss and gradients in tfjs.

/** What every oracle holds besides its model's own inputs and settings. */
export interface OracleBase {
  /** Parameter names and shapes, in layout order. */
  names: string[];
  shapes: number[][];
  /** One-hot labels, float32 [rows, classes]. */
  targets: tf.Tensor2D;
  loss: RunConfig["loss"];
}

/** A model's forward pass in tfjs ops: logits [rows, classes] from parameter tensors in layout order. */
export type Forward<O extends OracleBase> = (o: O, params: tf.Tensor[]) => tf.Tensor2D;

/** The parameter names and shapes of the harness's model and the one-hot labels of its batch. */
export function oracleBase(h: ModelHarness): OracleBase {
  const rows = h.batch.rows, tensors = h.state.layout.tensors;
  return {
    names: tensors.map((t) => t.name),
    shapes: tensors.map((t) => [...t.shape]),
    targets: tf.tidy(() => tf.oneHot(tf.tensor1d(h.data.train.labels.subarray(0, rows), "int32"), h.classes).toFloat() as tf.Tensor2D),
    loss: h.config.loss,
  };
}

/** The mean loss over the rows: mean squared error over every logit, or cross-entropy. */
function lossOf(o: OracleBase, logits: tf.Tensor2D): tf.Scalar {
  if (o.loss === "mse") return tf.mean(tf.squaredDifference(logits, o.targets)) as tf.Scalar;
  return tf.neg(tf.mean(tf.sum(tf.mul(o.targets, tf.logSoftmax(logits)), 1))) as tf.Scalar;
}

/** Our parameters, copied, in layout order. */
export const snapshot = (h: ModelHarness) => h.state.layout.tensors.map((t) => h.param(t.name).slice());

/**
 * Randomises the rank-1 tensors so the forward pass depends on them: biases and LayerNorm offsets
 * (initialised to 0) around 0, LayerNorm gains (`.gamma`, initialised to 1) around 1.
 */
export function randomiseVectors(h: ModelHarness, seed: number) {
  const next = mulberry32(seed);
  for (const t of h.state.layout.tensors) {
    if (t.shape.length !== 1) continue;
    const gain = t.name.endsWith(".gamma");
    h.param(t.name).forEach((_, i, a) => (a[i] = Math.fround(gain ? 1 + (next() * 2 - 1) * 0.5 : (next() * 2 - 1) * 0.3)));
  }
}

// ---------------------------------------------------------------------------------------------
// Textbook optimizer steps, float64.

/** A parameter group's learning rate and weight decay. */
export interface GroupHyper {
  lr: number;
  wd: number;
}

function groupHyper(config: RunConfig, group: "embedding" | "weights"): GroupHyper {
  const opt = config.optimizer;
  if (opt.warmupSteps !== 0) throw new Error("the oracle steps assume no warm-up");
  return group === "embedding" ? { lr: opt.embedding.lr ?? opt.lr, wd: opt.embedding.weightDecay ?? opt.weightDecay } : { lr: opt.lr, wd: opt.weightDecay };
}

/** torch.optim.AdamW, step t, on one tensor: p, m, v updated in place. */
export function adamwStep(p: Float64Array, m: Float64Array, v: Float64Array, g: ArrayLike<number>, h: GroupHyper, b1: number, b2: number, eps: number, t: number) {
  for (let i = 0; i < p.length; i++) {
    p[i] *= 1 - h.lr * h.wd;
    m[i] = b1 * m[i] + (1 - b1) * g[i];
    v[i] = b2 * v[i] + (1 - b2) * g[i] * g[i];
    const mHat = m[i] / (1 - b1 ** t), vHat = v[i] / (1 - b2 ** t);
    p[i] -= (h.lr * mHat) / (Math.sqrt(vHat) + eps);
  }
}

/** torch.optim.SGD (dampening 0, no Nesterov): g ← g + wd·p; buf ← μ·buf + g (buf = g at the first step); p ← p − lr·buf. */
function sgdStep(p: Float64Array, buf: Float64Array, g: ArrayLike<number>, h: GroupHyper, mu: number, t: number) {
  for (let i = 0; i < p.length; i++) {
    const gi = g[i] + h.wd * p[i];
    buf[i] = t === 1 ? gi : mu * buf[i] + gi;
    p[i] -= h.lr * buf[i];
  }
}

/** The textbook optimizer's f64 state: parameters, first moment (SGD: momentum buffer), second moment. */
class TextbookOptimizer {
  readonly p: Float64Array[];
  private readonly m: Float64Array[];
  private readonly v: Float64Array[];

  constructor(private readonly s: ModelHarness, start: Float32Array[]) {
    this.p = start.map((x) => Float64Array.from(x));
    this.m = this.p.map((x) => new Float64Array(x.length));
    this.v = this.p.map((x) => new Float64Array(x.length));
  }

  step(grads: ArrayLike<number>[], t: number) {
    const opt = this.s.config.optimizer;
    this.s.state.layout.tensors.forEach((tensor, i) => {
      const h = groupHyper(this.s.config, tensor.group);
      if (opt.kind === "adamw") adamwStep(this.p[i], this.m[i], this.v[i], grads[i], h, opt.beta1, opt.beta2, opt.eps, t);
      else sgdStep(this.p[i], this.m[i], grads[i], h, opt.momentum, t);
    });
  }
}

// ---------------------------------------------------------------------------------------------
// Comparison.

/**
 * Per tensor: `raw` = max |ours − ref| / scale, with scale = max |ref| (1 when ref is all zeros)
 * unless given, and `unexplained` = the same after taking off each element's `slack` (what a known,
 * separately checked discrepancy accounts for there).
 */
export function compare(ours: ArrayLike<number>, ref: ArrayLike<number>, slack?: ArrayLike<number>, scaleOverride?: number) {
  if (ours.length !== ref.length) throw new Error(`length ${ours.length} vs ${ref.length}`);
  let raw = 0, unexplained = 0, scale = 0;
  for (let i = 0; i < ref.length; i++) {
    const d = Math.abs(ours[i] - ref[i]);
    raw = Math.max(raw, d);
    unexplained = Math.max(unexplained, d - (slack ? slack[i] : 0));
    scale = Math.max(scale, Math.abs(ref[i]));
  }
  const s = scaleOverride ?? (scale > 0 ? scale : 1);
  return { raw: raw / s, unexplained: unexplained / s };
}

/** The spacing of f32 values around x. */
const ulpF32 = (x: number) => 2 ** (Math.floor(Math.log2(Math.max(Math.abs(x), 2 ** -126))) - 23);

/** What is checked: logits and loss, parameter gradients, parameters after a step, the step Δp. */
export type CheckKind = "forward" | "grad" | "param" | "update";

/** The worst errors seen for one kind: without slack (`raw`, at `rawWhere`) and beyond it (`unexplained`, at `where`). */
export interface Worst {
  raw: number;
  rawWhere: string;
  unexplained: number;
  where: string;
}

export interface OracleCheckOptions<O extends OracleBase> {
  /** What the failure message calls the slack (default "slack"). */
  slackName?: string;
  /** Checks whose `where` matches are left out of the worst errors without slack. */
  rawExcept?: RegExp;
  /** The scale a gradient is measured on instead of its own max |value| (undefined: its own). */
  gradScale?: (o: O, name: string, grads: ArrayLike<number>[]) => number | undefined;
}

/**
 * One test file's checks against its oracle: `forward` is the model in tfjs ops, `tol` the relative
 * tolerance per kind (beyond the per-element slack, where one is given). The worst errors seen are
 * kept for `report`.
 */
export function oracleChecks<O extends OracleBase>(forward: Forward<O>, tol: Record<CheckKind, number>, options: OracleCheckOptions<O> = {}) {
  const { slackName = "slack", rawExcept, gradScale } = options;
  const worst: Partial<Record<CheckKind, Worst>> = {};

  /** Logits, loss and the gradient of every parameter (tfjs autodiff), at the given values (layout order). */
  function evaluate(o: O, values: ArrayLike<number>[]) {
    return tf.tidy(() => {
      const params = values.map((v, i) => tf.tensor(Float32Array.from(v), o.shapes[i], "float32"));
      const logits = forward(o, params);
      const { value, grads } = tf.valueAndGrads((...ps: tf.Tensor[]) => lossOf(o, forward(o, ps)))(params);
      return { logits: logits.dataSync() as Float32Array, loss: value.dataSync()[0], grads: grads.map((g) => g.dataSync() as Float32Array) };
    });
  }

  /** Whether every element is within tol[kind]·scale plus its slack, with the errors measured. */
  function verdict(kind: CheckKind, ours: ArrayLike<number>, ref: ArrayLike<number>, slack?: ArrayLike<number>, scale?: number) {
    const e = compare(ours, ref, slack, scale);
    return { ...e, pass: e.unexplained <= tol[kind] };
  }

  /** Asserts the verdict, recording the worst errors (for `report`). */
  function check(kind: CheckKind, where: string, ours: ArrayLike<number>, ref: ArrayLike<number>, slack?: ArrayLike<number>, scale?: number) {
    const { raw, unexplained, pass } = verdict(kind, ours, ref, slack, scale);
    const w = (worst[kind] ??= { raw: 0, rawWhere: "", unexplained: 0, where: "" });
    if (raw >= w.raw && !rawExcept?.test(where)) Object.assign(w, { raw, rawWhere: where });
    if (unexplained >= w.unexplained) Object.assign(w, { unexplained, where });
    expect(pass, `${where}: relative error ${raw.toExponential(2)} (${unexplained.toExponential(2)} beyond ${slackName}) > ${tol[kind]}`).toBe(true);
  }

  /** Forward and gradient agreement; returns the oracle's evaluation. */
  function compareForwardBackward(h: ModelHarness, o: O, label: string) {
    const ref = evaluate(o, snapshot(h));
    const loss = h.backward();
    check("forward", `${label} logits`, h.logits(), ref.logits);
    check("forward", `${label} loss`, [loss], [ref.loss]);
    o.names.forEach((name, i) => check("grad", `${label} d${name}`, h.grad(name), ref.grads[i], undefined, gradScale?.(o, name, ref.grads)));
    return ref;
  }

  /**
   * Runs `steps` optimizer steps on both sides from the same start and compares the parameters p
   * and the steps Δp = p_after − p_before after each. The oracle is the textbook update in f64
   * applied to the tfjs gradients (taken at its own trajectory rounded to f32).
   *
   * Adam normalises each coordinate: at step 1 the update is lr·g/(|g| + eps) ≈ lr·sign(g), so where
   * |g| is tiny — within a few orders of magnitude of eps, or pure rounding noise — a gradient
   * discrepancy far below tol.grad moves Δp by a lot: the formula is ill-conditioned there, not the
   * engine wrong. So each element may also differ by the slack |twin − oracle|, where the twin is the
   * same f64 textbook update applied to *our* gradients: exactly how far the gradient discrepancy
   * (checked on its own against tol.grad) propagates through the formula. The worst errors without
   * that slack are recorded too.
   */
  function compareSteps(h: ModelHarness, o: O, label: string, steps: number, afterStep?: (t: number) => void) {
    const start = snapshot(h);
    const oracle = new TextbookOptimizer(h, start), twin = new TextbookOptimizer(h, start);
    for (let t = 1; t <= steps; t++) {
      const before = snapshot(h);
      const oracleBefore = oracle.p.map((x) => x.slice()), twinBefore = twin.p.map((x) => x.slice());
      const ref = evaluate(o, oracle.p);
      h.backward();
      oracle.step(ref.grads, t);
      twin.step(o.names.map((name) => h.grad(name).slice()), t);
      h.step(t);
      o.names.forEach((name, i) => {
        const ours = h.param(name);
        const where = `${label} ${name} after step ${t}`;
        const slack = oracle.p[i].map((x, j) => Math.abs(twin.p[i][j] - x));
        check("param", where, ours, oracle.p[i], slack);
        const dOurs = ours.map((x, j) => x - before[i][j]);
        const dRef = oracle.p[i].map((x, j) => x - oracleBefore[i][j]);
        // Δp is resolved only to the f32 spacing of p (our p is stored in f32): one ulp more per element.
        const dSlack = dRef.map((x, j) => Math.abs(twin.p[i][j] - twinBefore[i][j] - x) + ulpF32(ours[j]));
        check("update", `${where} (Δp)`, dOurs, dRef, dSlack);
      });
      afterStep?.(t);
    }
  }

  /** Prints the worst errors per kind, one `line` each, under `title`. */
  function report(title: string, line: (kind: CheckKind, w: Worst, tol: number) => string) {
    const lines = (Object.entries(worst) as [CheckKind, Worst][]).map(([k, w]) => line(k, w, tol[k]));
    console.log(`${title}, worst relative errors over all cases:\n${lines.join("\n")}`);
  }

  return { evaluate, verdict, compareForwardBackward, compareSteps, report };
}
