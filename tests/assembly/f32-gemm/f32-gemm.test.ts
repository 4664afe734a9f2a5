import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { GEMM_KERNELS, type GemmKernel } from "../../../src/wasm/gemm-kernels.js";
import { getF32, kernelsFor, putF32, scoped } from "../../support/kernels.js";
import { ODD_SIZES, randomF32 } from "../../support/random.js";

/** f64 reference C = A·B (layouts as stored) with, per element, Σ|a·b| for the error bound. */
function reference(g: GemmKernel, a: Float32Array, b: Float32Array, c0: Float32Array | null, m: number, k: number, n: number) {
  const value = new Float64Array(m * n);
  const magnitude = new Float64Array(m * n);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let sum = c0 ? c0[i * n + j] : 0;
      let abs = Math.abs(sum);
      for (let p = 0; p < k; p++) {
        const x = g.transposeA ? a[p * m + i] : a[i * k + p];
        const y = g.transposeB ? b[j * k + p] : b[p * n + j];
        sum += x * y;
        abs += Math.abs(x * y);
      }
      value[i * n + j] = sum;
      magnitude[i * n + j] = abs;
    }
  }
  return { value, magnitude };
}

// Tolerance: recursive f32 summation of k+1 terms errs by at most γ(k+1)·Σ|terms| with γ(j) ≈ j·2⁻²⁴
// (Higham, Accuracy and Stability of Numerical Algorithms, §3.1); 2⁻²³ per term leaves room for the product roundings.
const boundFor = (k: number, magnitude: number) => (k + 2) * 2 ** -23 * magnitude;

const size = fc.oneof(fc.constantFrom(...ODD_SIZES.filter((s) => s <= 113)), fc.integer({ min: 1, max: 19 }));

describe.each(GEMM_KERNELS)("$name ($formula)", (g) => {
  it.each([false, true])("matches the f64 reference on odd shapes (accumulate=%s)", async (accumulate) => {
    const k = await kernelsFor("simd");
    const run = k.kernels[g.name];
    fc.assert(
      fc.property(size, size, size, fc.integer({ min: 0, max: 2 ** 31 - 1 }), (m, kk, n, seed) =>
        scoped(k, () => {
          const a = randomF32(m * kk, seed), b = randomF32(kk * n, seed + 1), c0 = randomF32(m * n, seed + 2);
          const pa = putF32(k, a), pb = putF32(k, b), pc = putF32(k, c0);
          run(pc, pa, pb, m, kk, n, accumulate, 0, m);
          const got = getF32(k, pc, m * n);
          const want = reference(g, a, b, accumulate ? c0 : null, m, kk, n);
          for (let e = 0; e < m * n; e++) {
            const err = Math.abs(got[e] - want.value[e]);
            if (!(err <= boundFor(kk, want.magnitude[e]))) throw new Error(`${m}×${kk}×${n} element ${e}: ${got[e]} vs ${want.value[e]}`);
          }
        }),
      ),
      { numRuns: 60 },
    );
  });

  it("gives the same bits however the output rows are split", async () => {
    const k = await kernelsFor("simd");
    const run = k.kernels[g.name];
    for (const [m, kk, n] of [[257, 113, 97], [7, 5, 3], [113, 257, 1]]) {
      scoped(k, () => {
        const pa = putF32(k, randomF32(m * kk, m)), pb = putF32(k, randomF32(kk * n, n));
        const whole = k.arena.allocF32(m * n), split = k.arena.allocF32(m * n);
        run(whole, pa, pb, m, kk, n, false, 0, m);
        const cuts = [0, 1, 6, Math.floor(m / 3), m - 2, m].filter((c) => c >= 0 && c <= m).sort((x, y) => x - y);
        for (let s = 0; s + 1 < cuts.length; s++) run(split, pa, pb, m, kk, n, false, cuts[s], cuts[s + 1]);
        expect(getF32(k, split, m * n)).toEqual(getF32(k, whole, m * n));
      });
    }
  });
});

describe("reference model shapes", () => {
  it.each(GEMM_KERNELS)("$name is correct on [64×256]·[256×97] with accumulate", async (g) => {
    const k = await kernelsFor("simd");
    const [m, kk, n] = [64, 256, 97];
    scoped(k, () => {
      const a = randomF32(m * kk, 11), b = randomF32(kk * n, 12), c0 = randomF32(m * n, 13);
      const pc = putF32(k, c0);
      k.kernels[g.name](pc, putF32(k, a), putF32(k, b), m, kk, n, true, 0, m);
      const got = getF32(k, pc, m * n), want = reference(g, a, b, c0, m, kk, n);
      for (let e = 0; e < m * n; e++) expect(Math.abs(got[e] - want.value[e])).toBeLessThanOrEqual(boundFor(kk, want.magnitude[e]));
    });
  });
});
