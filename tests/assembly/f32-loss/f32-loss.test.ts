import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { KernelInstance } from "../../../src/wasm/loader.js";
import { getF32, kernelsFor, putF32, putI32, scoped } from "../../support/kernels.js";
import { mulberry32, ODD_SIZES, randomF32 } from "../../support/random.js";

// Plain f64 references, written the textbook way.
interface LossRef {
  rowLoss: Float64Array;
  /** Unscaled gradient ∂rowLoss_i/∂x_ij (for softmax) or 2(y − t) (for MSE), in f64. */
  grad: Float64Array;
  correct: number;
}

function argmaxFirst(x: ArrayLike<number>, offset: number, cols: number): number {
  let best = 0;
  for (let j = 1; j < cols; j++) if (x[offset + j] > x[offset + best]) best = j;
  return best;
}

function softmaxXentRef(logits: ArrayLike<number>, targets: ArrayLike<number>, rows: number, cols: number): LossRef {
  const rowLoss = new Float64Array(rows), grad = new Float64Array(rows * cols);
  let correct = 0;
  for (let i = 0; i < rows; i++) {
    const o = i * cols, t = targets[i];
    const m = logits[o + argmaxFirst(logits, o, cols)];
    let sum = 0;
    for (let j = 0; j < cols; j++) sum += Math.exp(logits[o + j] - m);
    const lse = m + Math.log(sum);
    rowLoss[i] = lse - logits[o + t];
    for (let j = 0; j < cols; j++) grad[o + j] = Math.exp(logits[o + j] - lse) - (j === t ? 1 : 0);
    if (argmaxFirst(logits, o, cols) === t) correct++;
  }
  return { rowLoss, grad, correct };
}

function mseOnehotRef(y: ArrayLike<number>, targets: ArrayLike<number>, rows: number, cols: number): LossRef {
  const rowLoss = new Float64Array(rows), grad = new Float64Array(rows * cols);
  let correct = 0;
  for (let i = 0; i < rows; i++) {
    const o = i * cols;
    for (let j = 0; j < cols; j++) {
      const e = y[o + j] - (j === targets[i] ? 1 : 0);
      rowLoss[i] += e * e;
      grad[o + j] = 2 * e;
    }
    if (argmaxFirst(y, o, cols) === targets[i]) correct++;
  }
  return { rowLoss, grad, correct };
}

interface Loss {
  name: "f32_softmax_xent_wasmsimd" | "f32_mse_onehot_scalar";
  reference: typeof softmaxXentRef;
  /** Tolerance of rowLoss against the reference: both sum `cols` f64 terms (plus exp/log, a few ulp each). */
  lossTolerance: (ref: number, cols: number, magnitude: number) => number;
  /** Inputs of one shape: logits ~ U(-4, 4), outputs ~ U(-1, 1)·1.2. */
  scale: number;
  /** Relative error bound of the f32 gradient: 2⁻²⁴ (half an ulp) when computed in f64 and rounded once. */
  gradRelative: number;
}

const LOSSES: Loss[] = [
  {
    name: "f32_softmax_xent_wasmsimd",
    reference: softmaxXentRef,
    // lse and x_t are O(|max| + log cols); each side carries a few f64 ulp of them.
    lossTolerance: (_ref, _cols, magnitude) => 1e-14 * (1 + magnitude),
    scale: 4,
    // e^{d_j} is parked as f32 before it is scaled by 1/S (one exponential per logit): two roundings.
    gradRelative: 2 ** -23,
  },
  {
    name: "f32_mse_onehot_scalar",
    reference: mseOnehotRef,
    // A sum of cols non-negative f64 terms: relative error ≤ cols·2⁻⁵³ (Higham §4.2).
    lossTolerance: (ref, cols) => (cols + 1) * 2 ** -53 * ref,
    scale: 1.2,
    gradRelative: 2 ** -24,
  },
];

// A gradient within `relative` of the exact one; 1e-15·|scale| absolute covers the reference's own
// cancellation in p_t − 1 (and f32's subnormal grid far below it).
const gradTolerance = (loss: Loss, ref: number, scale: number) => loss.gradRelative * Math.abs(ref) + 1e-15 * Math.abs(scale);

function randomTargets(rows: number, cols: number, seed: number): Int32Array {
  const next = mulberry32(seed);
  return Int32Array.from({ length: rows }, () => Math.floor(next() * cols));
}

interface Run {
  rowLoss: Float64Array;
  grad: Float32Array | null;
  correct: number;
}

/** Runs a loss kernel over the given row ranges (one call each), with or without a gradient. */
function run(k: KernelInstance, loss: Loss, x: Float32Array, targets: Int32Array, rows: number, cols: number, scale: number, ranges: [number, number][], withGrad = true): Run {
  const px = putF32(k, x), pt = putI32(k, targets);
  const pl = k.arena.alloc(rows * 8);
  const pg = withGrad ? putF32(k, new Float32Array(rows * cols).fill(NaN)) : 0;
  let correct = 0;
  for (const [r0, r1] of ranges) correct += k.kernels[loss.name](pg, pl, px, pt, rows, cols, scale, r0, r1);
  return { rowLoss: k.arena.f64(pl, rows).slice(), grad: withGrad ? getF32(k, pg, rows * cols) : null, correct };
}

const dim = fc.oneof(fc.constantFrom(...ODD_SIZES), fc.integer({ min: 1, max: 19 }));

describe.each(LOSSES)("$name", (loss) => {
  it("matches the f64 reference (loss, gradient within its stated ulps, correct count) on odd and random shapes", async () => {
    const k = await kernelsFor("simd");
    fc.assert(
      fc.property(dim, dim, fc.integer({ min: 0, max: 2 ** 31 - 1 }), fc.double({ min: 1e-3, max: 2, noNaN: true }), (rows, cols, seed, scale) =>
        scoped(k, () => {
          const x = randomF32(rows * cols, seed, loss.scale), targets = randomTargets(rows, cols, seed + 1);
          const got = run(k, loss, x, targets, rows, cols, scale, [[0, rows]]);
          const want = loss.reference(x, targets, rows, cols);
          expect(got.correct).toBe(want.correct);
          for (let i = 0; i < rows; i++) {
            const magnitude = Math.abs(x[i * cols + argmaxFirst(x, i * cols, cols)]) + Math.log(cols);
            const tol = loss.lossTolerance(want.rowLoss[i], cols, magnitude);
            if (!(Math.abs(got.rowLoss[i] - want.rowLoss[i]) <= tol)) throw new Error(`${rows}×${cols} row ${i}: ${got.rowLoss[i]} vs ${want.rowLoss[i]}`);
          }
          for (let e = 0; e < rows * cols; e++) {
            const ref = want.grad[e] * scale;
            if (!(Math.abs(got.grad![e] - ref) <= gradTolerance(loss, ref, scale))) throw new Error(`${rows}×${cols} gradient ${e}: ${got.grad![e]} vs ${ref}`);
          }
        }),
      ),
      { numRuns: 40 },
    );
  });

  it("its gradient matches central differences of the f64 loss (spot check, its f32 ulps + 1e-8)", async () => {
    const k = await kernelsFor("simd");
    const [rows, cols] = [5, 97];
    scoped(k, () => {
      const x = randomF32(rows * cols, 21, loss.scale), targets = randomTargets(rows, cols, 22);
      const got = run(k, loss, x, targets, rows, cols, 1, [[0, rows]]);
      const next = mulberry32(23);
      for (let s = 0; s < 40; s++) {
        const i = Math.floor(next() * rows), j = s % 4 === 0 ? targets[i] : Math.floor(next() * cols);
        const h = 1e-6;
        const row = Float32Array.from(x.subarray(i * cols, (i + 1) * cols));
        const lossAt = (v: number) => {
          const r = Float64Array.from(row);
          r[j] = v;
          return loss.reference(r, [targets[i]], 1, cols).rowLoss[0]; // f64: x ± h is not an f32
        };
        const fd = (lossAt(row[j] + h) - lossAt(row[j] - h)) / (2 * h);
        // FD error: h²·|L‴|/6 + 1e-16·|L|/h ≲ 5e-9 (L ≲ 50 here); the f32 gradient adds its rounding.
        const g = got.grad![i * cols + j];
        expect(Math.abs(g - fd), `row ${i} column ${j}`).toBeLessThanOrEqual(loss.gradRelative * Math.abs(g) + 1e-8);
      }
    });
  });

  it("gives the same bits and the same total count however [0, rows) is split, in both builds", async () => {
    const results: Run[] = [];
    for (const build of ["simd", "simd-threads"] as const) {
      const k = await kernelsFor(build);
      for (const [rows, cols] of [[257, 97], [7, 3], [113, 1]]) {
        scoped(k, () => {
          const x = randomF32(rows * cols, rows + cols, loss.scale), targets = randomTargets(rows, cols, rows);
          const whole = run(k, loss, x, targets, rows, cols, 1 / rows, [[0, rows]]);
          const cuts = [...new Set([0, 1, 6, Math.floor(rows / 3), Math.max(rows - 2, 0), rows])].filter((c) => c <= rows).sort((a, b) => a - b);
          const split = run(k, loss, x, targets, rows, cols, 1 / rows, cuts.slice(1).map((c, s) => [cuts[s], c]));
          expect(split.rowLoss).toEqual(whole.rowLoss);
          expect(split.grad).toEqual(whole.grad);
          expect(split.correct).toBe(whole.correct);
          results.push(whole);
        });
      }
    }
    for (let r = 0; r < 3; r++) {
      expect(results[r + 3].rowLoss).toEqual(results[r].rowLoss);
      expect(results[r + 3].grad).toEqual(results[r].grad);
    }
  });

  it("in evaluation mode (gradient pointer 0) writes nothing but rowLoss, with the same losses and count", async () => {
    const k = await kernelsFor("simd");
    const [rows, cols] = [113, 97];
    scoped(k, () => {
      const x = randomF32(rows * cols, 5, loss.scale), targets = randomTargets(rows, cols, 6);
      const withGrad = run(k, loss, x, targets, rows, cols, 0.5, [[0, rows]]);
      const px = putF32(k, x), pt = putI32(k, targets), pl = k.arena.alloc(rows * 8);
      const before = new Uint8Array(k.memory.buffer).slice();
      const correct = k.kernels[loss.name](0, pl, px, pt, rows, cols, 0.5, 0, rows);
      const after = new Uint8Array(k.memory.buffer);
      // Every byte outside rowLoss is unchanged (in particular nothing at or near address 0).
      expect(Buffer.compare(after.subarray(0, pl), before.subarray(0, pl))).toBe(0);
      expect(Buffer.compare(after.subarray(pl + rows * 8), before.subarray(pl + rows * 8))).toBe(0);
      expect(k.arena.f64(pl, rows)).toEqual(withGrad.rowLoss);
      expect(correct).toBe(withGrad.correct);
    });
  });

  it("counts argmax == target with the first maximum winning ties", async () => {
    const k = await kernelsFor("simd");
    fc.assert(
      fc.property(dim, fc.integer({ min: 1, max: 7 }), fc.integer({ min: 0, max: 2 ** 31 - 1 }), (rows, cols, seed) =>
        scoped(k, () => {
          // Logits from {−1, 0, 1}: most rows have tied maxima.
          const next = mulberry32(seed);
          const x = Float32Array.from({ length: rows * cols }, () => Math.floor(next() * 3) - 1);
          const targets = randomTargets(rows, cols, seed + 1);
          expect(run(k, loss, x, targets, rows, cols, 1, [[0, rows]], false).correct).toBe(loss.reference(x, targets, rows, cols).correct);
        }),
      ),
      { numRuns: 40 },
    );
    scoped(k, () => {
      // Explicit: row [2, 5, 5] → argmax 1, so target 1 counts and target 2 does not.
      const x = Float32Array.of(2, 5, 5, 2, 5, 5);
      expect(run(k, loss, x, Int32Array.of(1, 2), 2, 3, 1, [[0, 2]], false).correct).toBe(1);
    });
  });
});

describe("f32_softmax_xent_wasmsimd late in grokking (the correct logit leads by 16–20)", () => {
  // True loss = log(1 + Σ_{j≠t} e^{x_j − x_t}) ≈ 1e-7…1e-9, computed accurately with log1p.
  const exactLoss = (row: Float32Array, t: number) => {
    let tail = 0;
    for (let j = 0; j < row.length; j++) if (j !== t) tail += Math.exp(row[j] - row[t]);
    return Math.log1p(tail);
  };
  /** The same loss the way a float32 framework computes it: every step rounded to f32. */
  const f32Loss = (row: Float32Array, t: number) => {
    const f = Math.fround;
    let m = row[0];
    for (const v of row) m = Math.max(m, v);
    let sum = 0;
    for (const v of row) sum = f(sum + f(Math.exp(f(v - m))));
    return f(f(m + f(Math.log(sum))) - row[t]);
  };

  it("rowLoss and the target's gradient match the exact value to 1e-6 relative, where float32 gives 0 or garbage", async () => {
    const k = await kernelsFor("simd");
    const next = mulberry32(77);
    for (const cols of [3, 5, 7]) {
      scoped(k, () => {
        const rows = 8;
        const x = new Float32Array(rows * cols), targets = new Int32Array(rows);
        for (let i = 0; i < rows; i++) {
          const offset = 10 * next() - 5; // logits away from 0, as a trained network's are
          for (let j = 0; j < cols; j++) x[i * cols + j] = offset + 2 * next() - 1;
          targets[i] = Math.floor(next() * cols);
          x[i * cols + targets[i]] = offset + 1 + 16 + 4 * next(); // leads every other logit by 16–20
        }
        const scale = 1 / rows;
        const got = run(k, LOSSES[0], x, targets, rows, cols, scale, [[0, rows]]);
        expect(got.correct).toBe(rows);
        for (let i = 0; i < rows; i++) {
          const row = x.subarray(i * cols, (i + 1) * cols), t = targets[i];
          const want = exactLoss(row, t);
          expect(want).toBeGreaterThan(1e-10);
          expect(want).toBeLessThan(1e-6);
          expect(Math.abs(got.rowLoss[i] - want) / want, `row ${i}`).toBeLessThanOrEqual(1e-6);
          // The textbook f64 reference (m + log Σ − x_t) agrees too (it rounds lse at |m|'s ulp, ~1e-15 absolute).
          const textbook = softmaxXentRef(row, Int32Array.of(t), 1, cols).rowLoss[0];
          expect(Math.abs(got.rowLoss[i] - textbook) / want, `row ${i}`).toBeLessThanOrEqual(1e-6);
          // ∂/∂x_t = p_t − 1 = −(1 − e^{−loss}) ≈ −loss: no cancellation in our f32 gradient either.
          const gt = got.grad![i * cols + t];
          expect(Math.abs(gt - Math.expm1(-want) * scale) / (want * scale)).toBeLessThanOrEqual(1e-6);
          // And float32 cannot see it: 1 + 1e-8 rounds to 1, or lse is rounded at |max|'s ulp (~1e-6).
          const single = f32Loss(row, t);
          expect(single === 0 || Math.abs(single - want) / want > 0.5, `float32 gave ${single}, exact ${want}`).toBe(true);
        }
      });
    }
  });
});

describe("f32_mse_onehot_scalar", () => {
  it("with scale 1/(rows·cols) gives PyTorch's mean-reduction gradient, and Σ rowLoss/(rows·cols) its loss", async () => {
    const k = await kernelsFor("simd");
    const [rows, cols] = [97, 113];
    scoped(k, () => {
      const y = randomF32(rows * cols, 8), targets = randomTargets(rows, cols, 9);
      const got = run(k, LOSSES[1], y, targets, rows, cols, 1 / (rows * cols), [[0, rows]]);
      let mean = 0;
      for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) mean += (y[i * cols + j] - (j === targets[i] ? 1 : 0)) ** 2;
      mean /= rows * cols;
      // Same terms, different summation order (per row, then rows): n·2⁻⁵³ relative at worst, n ≈ 11k.
      expect(Math.abs(got.rowLoss.reduce((a, b) => a + b, 0) / (rows * cols) - mean)).toBeLessThanOrEqual(2e-12 * mean);
      const e = 5 * cols + targets[5];
      expect(got.grad![e]).toBe(Math.fround((2 * (y[e] - 1)) / (rows * cols)));
    });
  });
});
