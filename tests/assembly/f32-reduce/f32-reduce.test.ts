import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { KernelInstance } from "../../../src/wasm/loader.js";
import { kernelsFor, putF32, putI32, scoped } from "../../support/kernels.js";
import { mulberry32, ODD_SIZES, randomF32 } from "../../support/random.js";

const size = fc.oneof(fc.constantFrom(...ODD_SIZES), fc.integer({ min: 0, max: 19 }));
const seed = fc.integer({ min: 0, max: 2 ** 31 - 1 });
const scale = fc.constantFrom(1e-20, 1, 1e15);

function putF64(k: KernelInstance, values: ArrayLike<number>): number {
  const ptr = k.arena.alloc(Math.max(values.length, 1) * 8);
  k.arena.f64(ptr, values.length).set(values);
  return ptr;
}

/** The kernel's documented order, in JS doubles (IEEE f64 like wasm's): 8 strided partial sums, paired, then the tail. */
function sumsqInKernelOrder(x: Float32Array): number {
  const n8 = x.length & ~7, s = new Float64Array(8);
  for (let e = 0; e < n8; e++) s[e & 7] += x[e] * x[e];
  let sum = (s[0] + s[1] + (s[2] + s[3])) + (s[4] + s[5] + (s[6] + s[7]));
  for (let e = n8; e < x.length; e++) sum += x[e] * x[e];
  return sum;
}

describe("f32_sumsq_wasmsimd", () => {
  // Every x² is exact in f64, so both the kernel and the in-order f64 reference only round their n
  // adds of non-negative terms: each within (n − 1)·2⁻⁵³ of the exact sum (Higham §4.2), hence
  // |kernel − reference| ≤ 2n·2⁻⁵³·reference. And bit for bit its documented summation order.
  it("is within 2n·2⁻⁵³ (relative) of the in-order f64 sum, and bit-exact to its documented order", async () => {
    const k = await kernelsFor("simd");
    fc.assert(
      fc.property(size, seed, scale, (n, s, sc) =>
        scoped(k, () => {
          const x = randomF32(n, s, sc);
          const got = k.kernels.f32_sumsq_wasmsimd(putF32(k, x), n);
          let ref = 0;
          for (const v of x) ref += v * v;
          if (!(Math.abs(got - ref) <= 2 * n * 2 ** -53 * ref)) throw new Error(`n=${n}: ${got} vs ${ref}`);
          expect(Object.is(got, sumsqInKernelOrder(x))).toBe(true);
        }),
      ),
      { numRuns: 200 },
    );
  });

  it("is 0 for n = 0 and exact on small integers", async () => {
    const k = await kernelsFor("simd");
    scoped(k, () => {
      expect(k.kernels.f32_sumsq_wasmsimd(putF32(k, []), 0)).toBe(0);
      const x = Float32Array.from({ length: 257 }, (_, i) => i - 128);
      expect(k.kernels.f32_sumsq_wasmsimd(putF32(k, x), 257)).toBe(x.reduce((a, v) => a + v * v, 0));
    });
  });
});

describe("f32_argmax_count_scalar", () => {
  function argmaxFirst(x: ArrayLike<number>, o: number, cols: number): number {
    let best = 0;
    for (let j = 1; j < cols; j++) if (x[o + j] > x[o + best]) best = j;
    return best;
  }

  // Comparisons only: the count is exact (tolerance 0). Values rounded to few levels make ties common.
  it("counts rows whose first maximum is the target, exactly, over any range and split", async () => {
    const k = await kernelsFor("simd");
    fc.assert(
      fc.property(
        fc.tuple(size.filter((n) => n > 0), size.filter((n) => n > 0)).chain(([rows, cols]) =>
          fc.tuple(fc.constant(rows), fc.constant(cols), fc.integer({ min: 0, max: rows }), fc.integer({ min: 0, max: rows })),
        ),
        seed,
        fc.boolean(),
        ([rows, cols, a, b], s, ties) =>
          scoped(k, () => {
            const [r0, r1] = [Math.min(a, b), Math.max(a, b)];
            const logits = randomF32(rows * cols, s, 4).map((v) => (ties ? Math.round(v) : v));
            const next = mulberry32(s + 1);
            // Targets: the first maximum, a later tied maximum, or a random class.
            const targets = Int32Array.from({ length: rows }, (_, i) => {
              const u = next(), first = argmaxFirst(logits, i * cols, cols);
              if (u < 0.4) return first;
              if (u < 0.6) {
                const m = logits[i * cols + first];
                for (let j = cols - 1; j >= 0; j--) if (logits[i * cols + j] === m) return j;
              }
              return Math.floor(next() * cols);
            });
            let want = 0;
            for (let i = r0; i < r1; i++) if (argmaxFirst(logits, i * cols, cols) === targets[i]) want++;
            const pl = putF32(k, logits), pt = putI32(k, targets);
            expect(k.kernels.f32_argmax_count_scalar(pl, pt, rows, cols, r0, r1)).toBe(want);
            const mid = r0 + Math.floor((r1 - r0) / 2);
            expect(k.kernels.f32_argmax_count_scalar(pl, pt, rows, cols, r0, mid) + k.kernels.f32_argmax_count_scalar(pl, pt, rows, cols, mid, r1)).toBe(want);
          }),
      ),
      { numRuns: 150 },
    );
  });
});

describe("f64_sum_scalar", () => {
  // A plain in-order sum: bit-exact to JS's own in-order f64 sum (tolerance 0).
  it("equals the in-order f64 sum bit for bit", async () => {
    const k = await kernelsFor("simd");
    fc.assert(
      fc.property(size, seed, (n, s) =>
        scoped(k, () => {
          const next = mulberry32(s);
          const x = Float64Array.from({ length: n }, () => (next() - 0.3) * 10 ** Math.floor(next() * 12 - 6));
          let want = 0;
          for (const v of x) want += v;
          expect(Object.is(k.kernels.f64_sum_scalar(putF64(k, x), n), want)).toBe(true);
        }),
      ),
      { numRuns: 150 },
    );
  });
});
