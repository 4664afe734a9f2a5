import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { getF32, kernelsFor, putF32, scoped } from "../../support/kernels.js";
import { ODD_SIZES, randomF32 } from "../../support/random.js";

describe("f32_vadd_wasmsimd", () => {
  // One rounding per element: exactly Math.fround(a + b) (a double sum of two floats rounds to the f32 sum, Figueroa 1995).
  it("equals the correctly rounded f32 sum on odd sizes and ranges, leaving the rest untouched", async () => {
    const k = await kernelsFor("simd");
    fc.assert(
      fc.property(fc.constantFrom(...ODD_SIZES), fc.nat(), fc.nat(), fc.nat(1000), (n, x, y, seed) =>
        scoped(k, () => {
          const [i0, i1] = [x % (n + 1), y % (n + 1)].sort((p, q) => p - q);
          const a = randomF32(n, seed, 100), b = randomF32(n, seed + 1);
          const py = putF32(k, new Float32Array(n).fill(7));
          k.kernels.f32_vadd_wasmsimd(py, putF32(k, a), putF32(k, b), i0, i1);
          const got = getF32(k, py, n);
          for (let i = 0; i < n; i++) expect(got[i]).toBe(i >= i0 && i < i1 ? Math.fround(a[i] + b[i]) : 7);
        }),
      ),
      { numRuns: 60 },
    );
  });

  it("may write in place", async () => {
    const k = await kernelsFor("simd");
    scoped(k, () => {
      const a = randomF32(13, 1), b = randomF32(13, 2);
      const pa = putF32(k, a);
      k.kernels.f32_vadd_wasmsimd(pa, pa, putF32(k, b), 0, 13);
      expect(Array.from(getF32(k, pa, 13))).toEqual(Array.from(a, (v, i) => Math.fround(v + b[i])));
    });
  });
});
