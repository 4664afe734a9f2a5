import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { getF32, kernelsFor, putF32, scoped } from "../../support/kernels.js";
import { ODD_SIZES, randomF32 } from "../../support/random.js";

const SENTINEL = -12345.5;
const HALF_F32_ULP = 2 ** -24;
const size = fc.oneof(fc.constantFrom(...ODD_SIZES), fc.integer({ min: 1, max: 19 }));
const seed = fc.integer({ min: 0, max: 2 ** 31 - 1 });
/** A size n and a sub-range [a, b) of it (often the whole). */
const range = (n: number) =>
  fc.oneof(fc.constant([0, n] as const), fc.tuple(fc.integer({ min: 0, max: n }), fc.integer({ min: 0, max: n })).map(([a, b]) => [Math.min(a, b), Math.max(a, b)] as const));
/** rows, cols and a sub-range of the rows (`byRows`) or of the columns. */
const shapeAndRange = (byRows: boolean) =>
  fc.tuple(size, size).chain(([rows, cols]) => fc.tuple(fc.constant(rows), fc.constant(cols), range(byRows ? rows : cols)));
/** Cut points of [0, n) at awkward places (not multiples of 4), for the split tests. */
const cutsOf = (n: number) => [...new Set([0, 1, 6, Math.floor(n / 3), n - 2, n].filter((c) => c >= 0 && c <= n))].sort((a, b) => a - b);

describe("f32_bias_forward_wasmsimd", () => {
  // One f32 add of two f32 values: correctly rounded, so within half an f32 ulp of the exact (f64) sum.
  it("is within half an f32 ulp of the f64 reference on odd shapes and row ranges; other rows untouched", async () => {
    const k = await kernelsFor("simd");
    fc.assert(
      fc.property(shapeAndRange(true), seed, ([rows, cols, [r0, r1]], s) =>
        scoped(k, () => {
          const x = randomF32(rows * cols, s, 3), b = randomF32(cols, s + 1);
          const py = putF32(k, new Float32Array(rows * cols).fill(SENTINEL));
          k.kernels.f32_bias_forward_wasmsimd(py, putF32(k, x), putF32(k, b), rows, cols, r0, r1);
          const y = getF32(k, py, rows * cols);
          for (let i = 0; i < rows; i++) {
            for (let j = 0; j < cols; j++) {
              const e = i * cols + j;
              if (i < r0 || i >= r1) {
                if (y[e] !== SENTINEL) throw new Error(`row ${i} outside [${r0}, ${r1}) was written`);
                continue;
              }
              const ref = x[e] + b[j];
              if (!(Math.abs(y[e] - ref) <= HALF_F32_ULP * Math.abs(ref))) throw new Error(`${rows}×${cols} (${i}, ${j}): ${y[e]} vs ${ref}`);
            }
          }
        }),
      ),
      { numRuns: 100 },
    );
  });

  it("may write in place (y = x) and gives the same bits however the rows are split", async () => {
    const k = await kernelsFor("simd");
    for (const [rows, cols] of [[257, 97], [113, 7], [5, 3]]) {
      scoped(k, () => {
        const x = randomF32(rows * cols, rows, 2), b = randomF32(cols, cols);
        const pb = putF32(k, b), whole = putF32(k, new Float32Array(rows * cols)), split = putF32(k, x);
        k.kernels.f32_bias_forward_wasmsimd(whole, putF32(k, x), pb, rows, cols, 0, rows);
        const cuts = cutsOf(rows);
        for (let c = 0; c + 1 < cuts.length; c++) k.kernels.f32_bias_forward_wasmsimd(split, split, pb, rows, cols, cuts[c], cuts[c + 1]);
        expect(getF32(k, split, rows * cols)).toEqual(getF32(k, whole, rows * cols));
      });
    }
  });
});

describe("f32_bias_backward_wasmsimd", () => {
  // dbias + Σ of `rows` f32 terms, recursively summed in f32: error ≤ γ(rows+1)·(|dbias| + Σ|dy|) with
  // γ(n) ≈ n·2⁻²⁴ (Higham, Accuracy and Stability of Numerical Algorithms, §4.2); (rows + 2)·2⁻²⁴ stated.
  it("accumulates the column sums within (rows + 2)·2⁻²⁴·Σ|terms| of the f64 reference; other columns untouched", async () => {
    const k = await kernelsFor("simd");
    fc.assert(
      fc.property(shapeAndRange(false), seed, ([rows, cols, [c0, c1]], s) =>
        scoped(k, () => {
          const dy = randomF32(rows * cols, s), d0 = randomF32(cols, s + 1);
          const pd = putF32(k, d0);
          k.kernels.f32_bias_backward_wasmsimd(pd, putF32(k, dy), rows, cols, c0, c1);
          const got = getF32(k, pd, cols);
          for (let j = 0; j < cols; j++) {
            if (j < c0 || j >= c1) {
              if (got[j] !== d0[j]) throw new Error(`column ${j} outside [${c0}, ${c1}) changed`);
              continue;
            }
            let sum = 0, abs = 0;
            for (let i = 0; i < rows; i++) (sum += dy[i * cols + j]), (abs += Math.abs(dy[i * cols + j]));
            const ref = d0[j] + sum;
            const tol = (rows + 2) * HALF_F32_ULP * (abs + Math.abs(d0[j]));
            if (!(Math.abs(got[j] - ref) <= tol)) throw new Error(`${rows}×${cols} column ${j}: ${got[j]} vs ${ref}`);
          }
        }),
      ),
      { numRuns: 100 },
    );
  });

  it("sums rows in order 0..rows−1 in f32, then adds to dbias (bit-exact against a Math.fround simulation)", async () => {
    const k = await kernelsFor("simd");
    const [rows, cols] = [257, 113];
    scoped(k, () => {
      const dy = randomF32(rows * cols, 5, 10), d0 = randomF32(cols, 6);
      const pd = putF32(k, d0);
      k.kernels.f32_bias_backward_wasmsimd(pd, putF32(k, dy), rows, cols, 0, cols);
      const want = new Float32Array(cols);
      for (let j = 0; j < cols; j++) {
        let sum = 0;
        for (let i = 0; i < rows; i++) sum = Math.fround(sum + dy[i * cols + j]);
        want[j] = Math.fround(d0[j] + sum);
      }
      expect(getF32(k, pd, cols)).toEqual(want);
    });
  });

  it("gives the same bits however the columns are split", async () => {
    const k = await kernelsFor("simd");
    for (const [rows, cols] of [[97, 257], [7, 113], [3, 5], [257, 1]]) {
      scoped(k, () => {
        const pdy = putF32(k, randomF32(rows * cols, rows + cols)), d0 = randomF32(cols, cols);
        const whole = putF32(k, d0), split = putF32(k, d0);
        k.kernels.f32_bias_backward_wasmsimd(whole, pdy, rows, cols, 0, cols);
        const cuts = cutsOf(cols);
        for (let c = 0; c + 1 < cuts.length; c++) k.kernels.f32_bias_backward_wasmsimd(split, pdy, rows, cols, cuts[c], cuts[c + 1]);
        expect(getF32(k, split, cols)).toEqual(getF32(k, whole, cols));
      });
    }
  });
});
