import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { blockFloats, gemm, GEMM_KERNELS, gemmSteps, packedFloats, panelsOf, workspaceFloats, type GemmKernel, type GemmLayout, type GemmWorkspace } from "../../../src/ops/gemm.js";
import { invoke } from "../../../src/ops/plan.js";
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
/** k runs past the micro-kernel's k-chunk (512) too, where each chunk continues from the partial sums in C. */
const depth = fc.oneof(size, fc.constantFrom(257, 300, 513));

/** Packed panels rounded up to 64 bytes: where the A blocks start. */
const alignedPanels = (kk: number, n: number) => Math.ceil(packedFloats(kk, n) / 16) * 16;

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

  it("gives the same bits however each of its calls (packing, any copy of A, the multiply) is split", async () => {
    const k = await kernelsFor("simd");
    for (const [m, kk, n] of [[257, 113, 97], [7, 5, 3], [113, 257, 1], [9, 300, 17], [11, 600, 13]]) {
      scoped(k, () => {
        const pa = putF32(k, randomF32(m * kk, m)), pb = putF32(k, randomF32(kk * n, n));
        const whole = k.arena.allocF32(m * n), split = k.arena.allocF32(m * n);
        gemm(k.kernels, g.layout, whole, pa, pb, m, kk, n, false, workspaceFor(k, g.layout, m, kk, n));
        // The same plan, every call cut into slices anywhere (not only at multiples of 4), as threads might.
        for (const step of gemmSteps(g.layout, split, pa, pb, m, kk, n, false, workspaceFor(k, g.layout, m, kk, n))) {
          const cuts = [...new Set([0, 1, 6, Math.floor(step.extent / 3), step.extent - 2, step.extent].filter((c) => c >= 0 && c <= step.extent))].sort((x, y) => x - y);
          for (let s = 0; s + 1 < cuts.length; s++) invoke(k.kernels, step.kernel, step.args, [cuts[s], cuts[s + 1]]);
        }
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

type Multiply = (c: number, a: number, w: number, m: number, k: number, n: number, accumulate: boolean, r0: number, r1: number) => void;
const multiplyTn = (k: KernelInstance): Multiply => k.kernels.f32_gemm_tn_4x8_wasmsimd;

/** Row ranges covering [0, m): whole, and cut anywhere (not only at multiples of 4), as threads or a caller might. */
const rowSplits = (m: number): number[][] => [[0, m], [...new Set([0, 1, 2, 6, Math.floor(m / 3), m - 2, m - 1, m].filter((c) => c >= 0 && c <= m))].sort((x, y) => x - y)];

describe("micro-kernels: f32_gemm_nn_4x8_wasmsimd and f32_gemm_tn_4x8_wasmsimd", () => {
  it("tn on A stored k×m gives the bits of nn on its transpose, for any split of the rows (accumulating or not)", async () => {
    const k = await kernelsFor("simd");
    fc.assert(
      fc.property(size, depth, size, fc.boolean(), fc.integer({ min: 0, max: 2 ** 31 - 1 }), (m, kk, n, accumulate, seed) =>
        scoped(k, () => {
          const pa = putF32(k, randomF32(m * kk, seed)), pb = putF32(k, randomF32(kk * n, seed + 1)), c0 = randomF32(m * n, seed + 2);
          const packed = k.arena.allocF32(workspaceFloats("nn", m, kk, n));
          k.kernels.f32_packb_kn_x8_wasmsimd(packed, pb, kk, n, 0, panelsOf(n));
          const stored = getF32(k, pa, kk * m), aT = new Float32Array(m * kk);
          for (let p = 0; p < kk; p++) for (let i = 0; i < m; i++) aT[i * kk + p] = stored[p * m + i];
          const transposed = putF32(k, aT);
          const want = putF32(k, c0);
          k.kernels.f32_gemm_nn_4x8_wasmsimd(want, transposed, packed, m, kk, n, accumulate, 0, m);
          const wantBits = new Uint32Array(getF32(k, want, m * n).buffer);
          for (const cuts of rowSplits(m)) {
            const got = putF32(k, c0);
            for (let s = 0; s + 1 < cuts.length; s++) multiplyTn(k)(got, pa, packed, m, kk, n, accumulate, cuts[s], cuts[s + 1]);
            expect(new Uint32Array(getF32(k, got, m * n).buffer)).toEqual(wantBits);
          }
        }),
      ),
      { numRuns: 60 },
    );
  });

  it.each(["nn", "tn"] as const)("%s writes C and its A blocks only: nothing past the workspace, the packed panels untouched", async (layout) => {
    const k = await kernelsFor("simd");
    const multiply: Multiply = layout === "nn" ? k.kernels.f32_gemm_nn_4x8_wasmsimd : multiplyTn(k);
    for (const [m, kk, n] of [[4, 5, 9], [7, 1, 3], [113, 257, 97], [13, 600, 8], [3, 9, 5]]) {
      scoped(k, () => {
        const floats = alignedPanels(kk, n) + blockFloats(m, kk), guard = 64;
        const ws = putF32(k, new Float32Array(floats + guard).fill(NaN));
        const c = putF32(k, new Float32Array(m * n + guard).fill(NaN));
        const pa = putF32(k, randomF32(m * kk, m + kk));
        k.kernels.f32_packb_kn_x8_wasmsimd(ws, putF32(k, randomF32(kk * n, n)), kk, n, 0, panelsOf(n));
        const panels = getF32(k, ws, packedFloats(kk, n));
        for (const cuts of rowSplits(m)) for (let s = 0; s + 1 < cuts.length; s++) multiply(c, pa, ws, m, kk, n, false, cuts[s], cuts[s + 1]);
        const after = getF32(k, ws, floats + guard);
        expect(after.subarray(0, packedFloats(kk, n))).toEqual(panels);
        expect(after.subarray(floats).every(Number.isNaN)).toBe(true);
        const out = getF32(k, c, m * n + guard);
        expect(out.subarray(0, m * n).some(Number.isNaN)).toBe(false);
        expect(out.subarray(m * n).every(Number.isNaN)).toBe(true);
      });
    }
  });
});

describe("gemm()", () => {
  it("refuses a workspace too small for its copies instead of writing past it", async () => {
    const k = await kernelsFor("simd");
    scoped(k, () => {
      const [m, kk, n] = [4, 5, 9];
      const a = putF32(k, randomF32(m * kk, 1)), b = putF32(k, randomF32(kk * n, 2)), c = k.arena.allocF32(m * n);
      for (const layout of ["nn", "tn", "nt"] as const) {
        const need = workspaceFloats(layout, m, kk, n);
        expect(need).toBeGreaterThanOrEqual(packedFloats(kk, n) + blockFloats(m, kk));
        expect(() => gemm(k.kernels, layout, c, a, b, m, kk, n, false, { ptr: k.arena.allocF32(need - 1), floats: need - 1 })).toThrow(new RegExp(`gemm ${layout} 4×5×9: needs ${need} floats of workspace; it holds ${need - 1}`));
      }
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
