/**
 * What the TensorFlow.js oracles (tests/engine/tfjs-oracle*.test.ts) share. The oracle is the
 * engine's tfjs backend (src/tfjs/: the model twins, loss and optimizers written in tfjs ops, none
 * of the engine's kernels), run on tfjs's cpu backend from the harness's parameters on the
 * harness's batch. Here: building those runs, the relative-error comparisons with their tolerances,
 * and the record of the worst errors seen.
 */
import * as tf from "@tensorflow/tfjs";
// Registers the wasm backend with the tfjs-core that @tensorflow/tfjs uses (onWasmBackend).
import "@tensorflow/tfjs-backend-wasm";
import { expect } from "vitest";
import type { RunConfig } from "../../src/config/run-config.js";
import type { ParameterLayout } from "../../src/engine/layout.js";
import type { DataSplit } from "../../src/engine/tasks/dataset.js";
import { createTfjsOptimizer, createTfjsRun, type TfjsRun } from "../../src/tfjs/index.js";
import type { ModelHarness } from "./model-harness.js";
import { mulberry32 } from "./random.js";

// ---------------------------------------------------------------------------------------------
// The oracle: tfjs runs from our parameters.

/** Our parameters, copied, in layout order. */
export const snapshot = (h: ModelHarness) => h.state.layout.tensors.map((t) => h.param(t.name).slice());

/** Parameter names in layout order. */
export const namesOf = (h: ModelHarness) => h.state.layout.tensors.map((t) => t.name);

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

/** The harness's batch (the first `h.batch.rows` training rows) as a data split. */
export function harnessBatch(h: ModelHarness): DataSplit {
  const n = h.batch.rows, train = h.data.train, features = h.data.shape.features;
  return { count: n, tokens: train.tokens.map((ids) => ids.subarray(0, n)), inputs: train.inputs?.subarray(0, n * features) ?? null, labels: train.labels.subarray(0, n) };
}

/** A tfjs run of the harness's config on its batch, from `values` (layout order). */
export const oracleRun = (h: ModelHarness, values: Float32Array[]): TfjsRun => createTfjsRun(tf, h.config, values, harnessBatch(h));

/** The oracle's logits, loss and gradients (layout order) at `values`. */
export function evaluate(h: ModelHarness, values: Float32Array[]) {
  const run = oracleRun(h, values);
  try {
    return { logits: run.logits(), ...run.gradients() };
  } finally {
    run.dispose();
  }
}

/**
 * What a tfjs run computes from `values` on the harness's batch: logits, loss and gradients, then
 * the parameters after `steps` training steps. On the backend that is active.
 */
export function tfjsTrace(h: ModelHarness, values: Float32Array[], steps: number) {
  const run = oracleRun(h, values);
  try {
    const at = { logits: run.logits(), ...run.gradients() };
    for (let t = 0; t < steps; t++) run.step();
    return { ...at, params: run.params() };
  } finally {
    run.dispose();
  }
}

/**
 * `body` on tfjs-backend-wasm (single-threaded, as bench/support/tfjs-wasm.ts), then back on cpu:
 * the page and the benchmark run the twins there, and it lacks some gradient kernels cpu has.
 */
export async function onWasmBackend<T>(body: () => T): Promise<T> {
  tf.env().set("WASM_HAS_MULTITHREAD_SUPPORT", false);
  if (!(await tf.setBackend("wasm"))) throw new Error("tfjs: the wasm backend did not initialise");
  try {
    return body();
  } finally {
    await tf.setBackend("cpu");
  }
}

/** Parameters stepped by the tfjs optimizer of `config` from `start`, on gradients we hand it. */
export class OptimizerTrajectory {
  private readonly vars: tf.Variable[];
  private readonly opt: ReturnType<typeof createTfjsOptimizer>;
  private t = 0;

  constructor(private readonly layout: ParameterLayout, config: Pick<RunConfig, "optimizer" | "constrainNorm">, start: readonly Float32Array[]) {
    this.vars = tf.tidy(() => layout.tensors.map((t, i) => tf.variable(tf.tensor(start[i], t.shape as number[]), false)));
    this.opt = createTfjsOptimizer(tf, config, layout);
  }

  step(grads: readonly Float32Array[]): this {
    tf.tidy(() => this.opt.apply(this.vars, grads.map((g, i) => tf.tensor(g, this.layout.tensors[i].shape as number[])), ++this.t));
    return this;
  }

  values(): Float32Array[] {
    return this.vars.map((v) => v.dataSync() as Float32Array).map((a) => a.slice());
  }

  dispose(): void {
    this.opt.dispose();
    tf.dispose(this.vars);
  }
}

/** One optimizer step of `config` from `start` with `grads`: the parameters after it. */
export function oneStep(layout: ParameterLayout, config: Pick<RunConfig, "optimizer" | "constrainNorm">, start: readonly Float32Array[], grads: readonly Float32Array[]): Float32Array[] {
  const run = new OptimizerTrajectory(layout, config, start);
  try {
    return run.step(grads).values();
  } finally {
    run.dispose();
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

export interface OracleCheckOptions {
  /** What the failure message calls the slack (default "slack"). */
  slackName?: string;
  /** Checks whose `where` matches are left out of the worst errors without slack. */
  rawExcept?: RegExp;
  /** The scale a gradient is measured on instead of its own max |value| (undefined: its own); `grads` in layout order. */
  gradScale?: (names: string[], name: string, grads: ArrayLike<number>[]) => number | undefined;
}

/**
 * One test file's checks against the oracle, with `tol` the relative tolerance per kind (beyond
 * the per-element slack, where one is given). The worst errors seen are kept for `report`.
 */
export function oracleChecks(tol: Record<CheckKind, number>, options: OracleCheckOptions = {}) {
  const { slackName = "slack", rawExcept, gradScale } = options;
  const worst: Partial<Record<CheckKind, Worst>> = {};

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

  /** Forward and gradient agreement at our current parameters; returns the oracle's evaluation. */
  function compareForwardBackward(h: ModelHarness, label: string) {
    const names = namesOf(h);
    const ref = evaluate(h, snapshot(h));
    const loss = h.backward();
    check("forward", `${label} logits`, h.logits(), ref.logits);
    check("forward", `${label} loss`, [loss], [ref.loss]);
    names.forEach((name, i) => check("grad", `${label} d${name}`, h.grad(name), ref.grads[i], undefined, gradScale?.(names, name, ref.grads)));
    return ref;
  }

  /**
   * Runs `steps` optimizer steps on both sides from the same start and compares the parameters p
   * and the steps Δp = p_after − p_before after each. The oracle is a tfjs run: its own gradients
   * at its own trajectory, its own optimizer.
   *
   * Adam normalises each coordinate: at step 1 the update is lr·g/(|g| + eps) ≈ lr·sign(g), so where
   * |g| is tiny — within a few orders of magnitude of eps, or pure rounding noise — a gradient
   * discrepancy far below tol.grad moves Δp by a lot: the formula is ill-conditioned there, not the
   * engine wrong. So each element may also differ by the slack |twin − oracle|, where the twin is the
   * same tfjs optimizer applied to *our* gradients: exactly how far the gradient discrepancy (checked
   * on its own against tol.grad) propagates through the formula. The worst errors without that
   * slack are recorded too.
   */
  function compareSteps(h: ModelHarness, label: string, steps: number, afterStep?: (t: number) => void) {
    const names = namesOf(h), start = snapshot(h);
    const oracle = oracleRun(h, start), twin = new OptimizerTrajectory(h.state.layout, h.config, start);
    const ulps = h.config.constrainNorm === undefined ? 1 : 2;
    try {
      for (let t = 1; t <= steps; t++) {
        const before = snapshot(h), oracleBefore = oracle.params(), twinBefore = twin.values();
        h.backward();
        oracle.step();
        twin.step(names.map((name) => h.grad(name).slice()));
        h.step(t);
        const oracleAfter = oracle.params(), twinAfter = twin.values();
        names.forEach((name, i) => {
          const ours = h.param(name);
          const where = `${label} ${name} after step ${t}`;
          const slack = Float64Array.from(oracleAfter[i], (x, j) => Math.abs(twinAfter[i][j] - x));
          check("param", where, ours, oracleAfter[i], slack);
          const dOurs = ours.map((x, j) => x - before[i][j]);
          const dRef = Float64Array.from(oracleAfter[i], (x, j) => x - oracleBefore[i][j]);
          // Δp is resolved only to the f32 spacing of p (p is stored in f32): one ulp more per element,
          // two under the norm constraint (its factor is rounded to f32 from each side's own norm,
          // which differ in the last bits, and the product is rounded once more).
          const dSlack = dRef.map((x, j) => Math.abs(twinAfter[i][j] - twinBefore[i][j] - x) + ulps * ulpF32(ours[j]));
          check("update", `${where} (Δp)`, dOurs, dRef, dSlack);
        });
        afterStep?.(t);
      }
    } finally {
      oracle.dispose();
      twin.dispose();
    }
  }

  /** Prints the worst errors per kind, one `line` each, under `title`. */
  function report(title: string, line: (kind: CheckKind, w: Worst, tol: number) => string) {
    const lines = (Object.entries(worst) as [CheckKind, Worst][]).map(([k, w]) => line(k, w, tol[k]));
    console.log(`${title}, worst relative errors over all cases:\n${lines.join("\n")}`);
  }

  return { verdict, compareForwardBackward, compareSteps, report };
}
