/**
 * The peak probe is the benchmark's ceiling, so it must do exactly the work it claims: 12 chains of
 * x = x·a + b per round, 4 rounds per iteration, 4 lanes each (F32_PEAK_FLOPS_PER_ITERATION flops),
 * every chain feeding the result so no engine can drop any of it.
 */
import { describe, expect, it } from "vitest";
import { kernelsFor } from "../../support/kernels.js";

const f = Math.fround;

/** The probe's result in plain f32 arithmetic: the chains start at 0.1, 0.2, …, 1.2. */
function reference(iterations: number, a: number, b: number): number {
  const x = Array.from({ length: 12 }, (_, i) => f((i + 1) / 10));
  for (let r = 0; r < 4 * iterations; r++) for (let c = 0; c < 12; c++) x[c] = f(f(x[c] * f(a)) + f(b));
  // Lanes are equal; the kernel sums the chains pairwise, then the four lanes left to right.
  const s = f(f(f(f(x[0] + x[1]) + f(x[2] + x[3])) + f(f(x[4] + x[5]) + f(x[6] + x[7]))) + f(f(x[8] + x[9]) + f(x[10] + x[11])));
  return f(f(f(s + s) + s) + s);
}

describe("f32_peak_wasmsimd", () => {
  it("computes its 12 multiply-add chains exactly, round after round", async () => {
    const k = await kernelsFor("simd");
    for (const iterations of [0, 1, 7, 1000]) {
      expect(k.kernels.f32_peak_wasmsimd(iterations, 0.999, 0.001)).toBe(reference(iterations, 0.999, 0.001));
    }
    expect(k.kernels.F32_PEAK_FLOPS_PER_ITERATION.value).toBe(4 * 12 * 4 * 2);
  });
});
