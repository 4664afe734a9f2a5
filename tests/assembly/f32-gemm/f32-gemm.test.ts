import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { gemm, GEMM_KERNELS, GEMM_MULTIPLY, GEMM_TRANSPOSE, packedFloats, panelsOf, workspaceFloats, workspaceLayout, type GemmKernel, type GemmLayout, type GemmWorkspace } from "../../../src/ops/gemm.js";
import type { KernelInstance } from "../../../src/wasm/loader.js";
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
/** k runs past the micro-kernel's k-chunk (256) too, where each chunk continues from the partial sums in C. */
const depth = fc.oneof(size, fc.constantFrom(257, 300, 513));

function workspaceFor(k: KernelInstance, layout: GemmLayout, m: number, kk: number, n: number): GemmWorkspace {
  const floats = workspaceFloats(layout, m, kk, n);
  return { ptr: k.arena.allocF32(floats), floats };
}

describe.each(GEMM_KERNELS)("$layout: $formula ($pack, then the 4×8 micro-kernel)", (g) => {
  it.each([false, true])("matches the f64 reference on odd shapes (accumulate=%s)", async (accumulate) => {
    const k = await kernelsFor("simd");
    fc.assert(
      fc.property(size, depth, size, fc.integer({ min: 0, max: 2 ** 31 - 1 }), (m, kk, n, seed) =>
        scoped(k, () => {
          const a = randomF32(m * kk, seed), b = randomF32(kk * n, seed + 1), c0 = randomF32(m * n, seed + 2);
          const pa = putF32(k, a), pb = putF32(k, b), pc = putF32(k, c0);
          gemm(k.kernels, g.layout, pc, pa, pb, m, kk, n, accumulate, workspaceFor(k, g.layout, m, kk, n));
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

  it("gives the same bits however the packing, the transpose and the output rows are split", async () => {
    const k = await kernelsFor("simd");
    for (const [m, kk, n] of [[257, 113, 97], [7, 5, 3], [113, 257, 1], [9, 300, 17]]) {
      scoped(k, () => {
        const pa = putF32(k, randomF32(m * kk, m)), pb = putF32(k, randomF32(kk * n, n));
        const whole = k.arena.allocF32(m * n), split = k.arena.allocF32(m * n);
        const wsWhole = workspaceFor(k, g.layout, m, kk, n), wsSplit = workspaceFor(k, g.layout, m, kk, n);
        gemm(k.kernels, g.layout, whole, pa, pb, m, kk, n, false, wsWhole);
        const { packed, transposedA } = workspaceLayout(wsSplit, g.layout, m, kk, n);
        const wholeCopies = workspaceLayout(wsWhole, g.layout, m, kk, n);
        const halves = (extent: number) => [[0, Math.floor(extent / 2)], [Math.floor(extent / 2), extent]];
        for (const [q0, q1] of halves(panelsOf(n))) k.kernels[g.pack](packed, pb, kk, n, q0, q1);
        if (g.transposeA) for (const [c0, c1] of halves(m)) k.kernels[GEMM_TRANSPOSE](transposedA, pa, kk, m, c0, c1);
        expect(getF32(k, packed, packedFloats(kk, n))).toEqual(getF32(k, wholeCopies.packed, packedFloats(kk, n)));
        if (g.transposeA) expect(getF32(k, transposedA, m * kk)).toEqual(getF32(k, wholeCopies.transposedA, m * kk));
        const cuts = [...new Set([0, 1, 6, Math.floor(m / 3), m - 2, m].filter((c) => c >= 0 && c <= m))].sort((x, y) => x - y);
        for (let s = 0; s + 1 < cuts.length; s++) k.kernels[GEMM_MULTIPLY](split, g.transposeA ? transposedA : pa, packed, m, kk, n, false, cuts[s], cuts[s + 1]);
        expect(getF32(k, split, m * n)).toEqual(getF32(k, whole, m * n));
      });
    }
  });

  it("packs into exactly packedFloats(k, n) floats, zero past column n", async () => {
    const k = await kernelsFor("simd");
    for (const [kk, n] of [[5, 3], [113, 97], [1, 8], [7, 17]]) {
      scoped(k, () => {
        const floats = packedFloats(kk, n), guard = 64;
        const buffer = putF32(k, new Float32Array(floats + guard).fill(NaN));
        const b = randomF32(kk * n, kk + n);
        k.kernels[g.pack](buffer, putF32(k, b), kk, n, 0, panelsOf(n));
        const packed = getF32(k, buffer, floats + guard);
        expect(packed.subarray(floats).every(Number.isNaN)).toBe(true);
        for (let q = 0; q < panelsOf(n); q++) {
          for (let p = 0; p < kk; p++) {
            for (let l = 0; l < 8; l++) {
              const j = q * 8 + l;
              const want = j >= n ? 0 : g.transposeB ? b[j * kk + p] : b[p * n + j];
              expect(packed[(q * kk + p) * 8 + l]).toBe(want);
            }
          }
        }
      });
    }
  });
});

describe("f32_transpose_4x4_wasmsimd", () => {
  it("writes xᵀ on odd shapes, for any range of output rows", async () => {
    const k = await kernelsFor("simd");
    fc.assert(
      fc.property(size, size, fc.integer({ min: 0, max: 2 ** 31 - 1 }), (rows, cols, seed) =>
        scoped(k, () => {
          const x = randomF32(rows * cols, seed), px = putF32(k, x);
          const out = putF32(k, new Float32Array(rows * cols + 16).fill(NaN));
          const cut = seed % (cols + 1);
          k.kernels.f32_transpose_4x4_wasmsimd(out, px, rows, cols, 0, cut);
          k.kernels.f32_transpose_4x4_wasmsimd(out, px, rows, cols, cut, cols);
          const got = getF32(k, out, rows * cols + 16);
          for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) if (got[j * rows + i] !== x[i * cols + j]) throw new Error(`${rows}×${cols}: (${i}, ${j})`);
          expect(got.subarray(rows * cols).every(Number.isNaN)).toBe(true);
        }),
      ),
      { numRuns: 60 },
    );
  });
});

describe("gemm()", () => {
  it("refuses a workspace too small for its copies instead of writing past it", async () => {
    const k = await kernelsFor("simd");
    scoped(k, () => {
      const [m, kk, n] = [4, 5, 9];
      const a = putF32(k, randomF32(m * kk, 1)), b = putF32(k, randomF32(kk * n, 2)), c = k.arena.allocF32(m * n);
      expect(() => gemm(k.kernels, "nn", c, a, b, m, kk, n, false, { ptr: k.arena.allocF32(40), floats: 40 })).toThrow(/gemm nn 4×5×9: needs 80 floats of workspace; it holds 40/);
      expect(() => gemm(k.kernels, "tn", c, a, b, m, kk, n, false, { ptr: k.arena.allocF32(80), floats: 80 })).toThrow(/gemm tn 4×5×9: needs 100 floats/);
    });
  });

  it.each(GEMM_KERNELS.flatMap((g) => [[64, 256, 97], [257, 257, 257]].map(([m, kk, n]) => ({ ...g, m, kk, n }))))("$layout is correct on [$m×$kk]·[$kk×$n] with accumulate", async (g) => {
    const k = await kernelsFor("simd");
    const { m, kk, n } = g;
    scoped(k, () => {
      const a = randomF32(m * kk, 11), b = randomF32(kk * n, 12), c0 = randomF32(m * n, 13);
      const pc = putF32(k, c0);
      gemm(k.kernels, g.layout, pc, putF32(k, a), putF32(k, b), m, kk, n, true, workspaceFor(k, g.layout, m, kk, n));
      const got = getF32(k, pc, m * n), want = reference(g, a, b, c0, m, kk, n);
      for (let e = 0; e < m * n; e++) expect(Math.abs(got[e] - want.value[e])).toBeLessThanOrEqual(boundFor(kk, want.magnitude[e]));
    });
  });
});
