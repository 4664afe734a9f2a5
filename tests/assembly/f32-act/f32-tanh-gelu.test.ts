import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { KernelInstance } from "../../../src/wasm/loader.js";
import { getF32, kernelsFor, putF32, scoped } from "../../support/kernels.js";
import { ODD_SIZES, randomF32 } from "../../support/random.js";

// f64 references. GELU is GPT-2's tanh approximation ½x(1 + tanh u), u = √(2/π)(x + 0.044715x³);
// the kernel evaluates it as x·σ(2u) (same function, no cancellation for negative x), so the tight
// checks use that form and a looser absolute check ties it to the textbook tanh form.
const SQRT_2_OVER_PI = Math.sqrt(2 / Math.PI);
const geluU = (x: number) => SQRT_2_OVER_PI * (x + 0.044715 * x * x * x);
const sigmoid = (z: number) => 1 / (1 + Math.exp(-z));
const geluRef = (x: number) => x * sigmoid(2 * geluU(x));
const geluTanhForm = (x: number) => 0.5 * x * (1 + Math.tanh(geluU(x)));
/** gelu′(x) = σ + x·σ(1 − σ)·2u′ and the magnitude of its terms (for the cancellation near x ≈ −0.75). */
function geluGradRef(x: number): { value: number; magnitude: number } {
  const u = geluU(x), du = SQRT_2_OVER_PI * (1 + 3 * 0.044715 * x * x);
  const s = sigmoid(2 * u), t = 1 / (1 + Math.exp(2 * u)); // σ(2u), 1 − σ(2u)
  const second = x * s * t * 2 * du;
  return { value: s + second, magnitude: Math.abs(s) + Math.abs(second) };
}
const centralDifference = (f: (x: number) => number, x: number, h = 1e-5) => (f(x + h) - f(x - h)) / (2 * h);

// Rounding an (almost exact) f64 value to f32 errs by at most half an f32 ulp, ≤ 2⁻²⁴ of the value;
// 1e-14 relative covers our f64 math's few ulp, 2⁻¹⁵⁰ the f32 subnormal grid.
const HALF_F32_ULP = 2 ** -24;
const f32Tolerance = (ref: number) => (HALF_F32_ULP + 1e-14) * Math.abs(ref) + 2 ** -150;

const SENTINEL = -12345.5;
/** Values that probe the edges: zeros, tiny and huge magnitudes, saturation. */
const SPECIAL = [0, -0, 1e-30, -1e-30, 1e-45, -3e-8, 0.5, -0.75, 1, -1, 5, -5, 9, -9, 11, -11, 20, -20, 88, -88, 3e38, -3e38];

interface Act {
  name: string;
  forward: "f32_tanh_forward_scalar" | "f32_gelu_forward_scalar";
  backward: "f32_tanh_backward_scalar" | "f32_gelu_backward_scalar";
  /** Forward reference in f64. */
  f: (x: number) => number;
  /** What the backward kernel takes as its third argument: the forward output (tanh) or the input (gelu). */
  savesOutput: boolean;
  /** Reference dx and its tolerance for one element. */
  grad: (x: number, y: number, dy: number) => { value: number; tolerance: number };
  /** Tolerance against dy · central difference of `f` (the f64 reference). */
  fdTolerance: (x: number, y: number, dy: number, dx: number) => number;
}

const ACTS: Act[] = [
  {
    name: "tanh",
    forward: "f32_tanh_forward_scalar",
    backward: "f32_tanh_backward_scalar",
    f: Math.tanh,
    savesOutput: true,
    // dx = dy·(1 − y²) from the f32 y, in f64, rounded once: half an f32 ulp.
    grad: (_x, y, dy) => {
      const value = dy * (1 - y * y);
      return { value, tolerance: f32Tolerance(value) };
    },
    // Against the exact dy·sech²(x): y is tanh(x) rounded to f32 (|δy| ≤ 2⁻²⁴|y|), which moves
    // 1 − y² by up to 2|y|·|δy| ≤ 2⁻²³; plus half an ulp of dx and 1e-9 for the difference quotient.
    fdTolerance: (_x, y, dy, dx) => Math.abs(dy) * (2 ** -23 * y * y + 1e-9) + f32Tolerance(dx),
  },
  {
    name: "gelu",
    forward: "f32_gelu_forward_scalar",
    backward: "f32_gelu_backward_scalar",
    f: geluRef,
    savesOutput: false,
    // dx = dy·gelu′(x) in f64, rounded once: half an f32 ulp, plus 1e-14 of the terms' magnitude
    // where gelu′ crosses 0 (x ≈ −0.75) and its two terms cancel.
    grad: (x, _y, dy) => {
      const g = geluGradRef(x);
      const value = dy * g.value;
      return { value, tolerance: f32Tolerance(value) + 1e-14 * Math.abs(dy) * g.magnitude };
    },
    // Half an ulp of dx, and |dy|·1e-8 for the difference quotient (h = 1e-5: truncation h²·|gelu‴|/6
    // and cancellation 1e-16·|gelu|/h, both below 1e-9 for |x| ≤ 20).
    fdTolerance: (_x, _y, dy, dx) => Math.abs(dy) * 1e-8 + f32Tolerance(dx),
  },
];

const size = fc.constantFrom(...ODD_SIZES);
const inputScale = fc.constantFrom(1e-3, 1, 3, 10);
/** A size n and a sub-range [i0, i1) of it (often the whole). */
const sizeAndRange = size.chain((n) =>
  fc.oneof(
    fc.constant([n, 0, n] as const),
    fc.tuple(fc.integer({ min: 0, max: n }), fc.integer({ min: 0, max: n })).map(([a, b]) => [n, Math.min(a, b), Math.max(a, b)] as const),
  ),
);

function expectUntouched(got: Float32Array, i0: number, i1: number) {
  for (let i = 0; i < got.length; i++) if (i < i0 || i >= i1) expect(got[i], `element ${i} outside [${i0}, ${i1})`).toBe(SENTINEL);
}

/** Runs the forward kernel over [i0, i1) into a sentinel-filled output. */
function runForward(k: KernelInstance, a: Act, x: Float32Array, i0: number, i1: number): Float32Array {
  const py = putF32(k, new Float32Array(x.length).fill(SENTINEL));
  k.kernels[a.forward](py, putF32(k, x), i0, i1);
  return getF32(k, py, x.length);
}

/** Forward outputs for the whole of x (what the backward pass of tanh consumes). */
function forwardAll(k: KernelInstance, a: Act, x: Float32Array): Float32Array {
  return runForward(k, a, x, 0, x.length);
}

describe.each(ACTS)("$name", (a) => {
  it("forward is within half an f32 ulp (+1e-14 relative) of the f64 reference on odd sizes and ranges", async () => {
    const k = await kernelsFor("simd");
    fc.assert(
      fc.property(sizeAndRange, inputScale, fc.integer({ min: 0, max: 2 ** 31 - 1 }), ([n, i0, i1], s, seed) =>
        scoped(k, () => {
          const x = randomF32(n, seed, s);
          const y = runForward(k, a, x, i0, i1);
          expectUntouched(y, i0, i1);
          for (let i = i0; i < i1; i++) {
            const ref = a.f(x[i]);
            if (!(Math.abs(y[i] - ref) <= f32Tolerance(ref))) throw new Error(`x = ${x[i]}: ${y[i]} vs ${ref}`);
          }
        }),
      ),
      { numRuns: 60 },
    );
  });

  it("forward handles zeros, tiny, large and saturating inputs, and y may alias x", async () => {
    const k = await kernelsFor("simd");
    scoped(k, () => {
      const x = Float32Array.from(SPECIAL);
      const px = putF32(k, x);
      k.kernels[a.forward](px, px, 0, x.length);
      const y = getF32(k, px, x.length);
      for (let i = 0; i < x.length; i++) {
        const ref = a.f(x[i]);
        expect(Math.abs(y[i] - ref), `x = ${x[i]}`).toBeLessThanOrEqual(f32Tolerance(ref));
        if (x[i] === 0) expect(Object.is(y[i], x[i])).toBe(true); // keeps the sign of zero
      }
    });
  });

  it("backward is within its stated tolerance of the analytic f64 gradient, and of dy·(central difference)", async () => {
    const k = await kernelsFor("simd");
    fc.assert(
      fc.property(sizeAndRange, inputScale, fc.integer({ min: 0, max: 2 ** 31 - 1 }), ([n, i0, i1], s, seed) =>
        scoped(k, () => {
          const x = randomF32(n, seed, s), dy = randomF32(n, seed + 1, 2);
          const y = forwardAll(k, a, x);
          const pdx = putF32(k, new Float32Array(n).fill(SENTINEL));
          k.kernels[a.backward](pdx, putF32(k, dy), putF32(k, a.savesOutput ? y : x), i0, i1);
          const dx = getF32(k, pdx, n);
          expectUntouched(dx, i0, i1);
          for (let i = i0; i < i1; i++) {
            const want = a.grad(x[i], y[i], dy[i]);
            if (!(Math.abs(dx[i] - want.value) <= want.tolerance)) throw new Error(`x = ${x[i]}, dy = ${dy[i]}: ${dx[i]} vs ${want.value}`);
            const fd = dy[i] * centralDifference(a.f, x[i]);
            if (!(Math.abs(dx[i] - fd) <= a.fdTolerance(x[i], y[i], dy[i], dx[i]))) throw new Error(`x = ${x[i]}: ${dx[i]} vs finite difference ${fd}`);
          }
        }),
      ),
      { numRuns: 60 },
    );
  });

  it("backward on edge inputs writes dx (not +=) and dx may alias dy", async () => {
    const k = await kernelsFor("simd");
    scoped(k, () => {
      const x = Float32Array.from(SPECIAL.filter((v) => Math.abs(v) < 1e30));
      const dy = randomF32(x.length, 5, 3);
      const y = forwardAll(k, a, x);
      const pdy = putF32(k, dy);
      k.kernels[a.backward](pdy, pdy, putF32(k, a.savesOutput ? y : x), 0, x.length);
      const dx = getF32(k, pdy, x.length);
      for (let i = 0; i < x.length; i++) {
        const want = a.grad(x[i], y[i], dy[i]);
        expect(Math.abs(dx[i] - want.value), `x = ${x[i]}`).toBeLessThanOrEqual(want.tolerance);
      }
    });
  });

  it("gives the same bits however [0, n) is split, in both builds", async () => {
    const n = 257;
    const x = randomF32(n, 99, 4), dy = randomF32(n, 100);
    const outputs: Float32Array[] = [];
    for (const build of ["simd", "simd-threads"] as const) {
      const k = await kernelsFor(build);
      scoped(k, () => {
        const px = putF32(k, x), pdy = putF32(k, dy);
        const whole = [k.arena.allocF32(n), k.arena.allocF32(n)], split = [k.arena.allocF32(n), k.arena.allocF32(n)];
        const cuts = [0, 1, 6, 85, 255, n];
        for (const [out, ranges] of [[whole, [[0, n]]], [split, cuts.slice(1).map((c, s) => [cuts[s], c])]] as const) {
          for (const [i0, i1] of ranges) {
            k.kernels[a.forward](out[0], px, i0, i1);
            k.kernels[a.backward](out[1], pdy, a.savesOutput ? out[0] : px, i0, i1);
          }
        }
        expect(getF32(k, split[0], n)).toEqual(getF32(k, whole[0], n));
        expect(getF32(k, split[1], n)).toEqual(getF32(k, whole[1], n));
        outputs.push(getF32(k, whole[0], n), getF32(k, whole[1], n));
      });
    }
    expect(outputs[2]).toEqual(outputs[0]);
    expect(outputs[3]).toEqual(outputs[1]);
  });
});

describe("gelu is GPT-2's tanh approximation", () => {
  it("matches ½x(1 + tanh(√(2/π)(x + 0.044715x³))) to half an f32 ulp + 1e-15·|x| (the tanh form's own cancellation)", async () => {
    const k = await kernelsFor("simd");
    scoped(k, () => {
      const x = Float32Array.from({ length: 2001 }, (_, i) => -10 + i / 100);
      const y = forwardAll(k, ACTS[1], x);
      for (let i = 0; i < x.length; i++) {
        const ref = geluTanhForm(x[i]);
        expect(Math.abs(y[i] - ref), `x = ${x[i]}`).toBeLessThanOrEqual(f32Tolerance(ref) + 1e-15 * Math.abs(x[i]));
      }
    });
  });

  it("keeps full relative accuracy in the negative tail, where the tanh form cancels (down to gelu(−10) ≈ −1e-37)", async () => {
    const k = await kernelsFor("simd");
    scoped(k, () => {
      const x = Float32Array.from([-5, -6, -8, -10]);
      const y = forwardAll(k, ACTS[1], x);
      for (let i = 0; i < x.length; i++) {
        expect(y[i]).toBeLessThan(0);
        expect(Math.abs(y[i] - geluRef(x[i]))).toBeLessThanOrEqual(f32Tolerance(geluRef(x[i])));
        // ½x(1 + tanh u) in f64 has lost most of its digits here (all of them at −10).
        if (x[i] <= -8) expect(Math.abs(geluTanhForm(x[i]) - geluRef(x[i]))).toBeGreaterThan(0.01 * Math.abs(geluRef(x[i])));
      }
    });
  });
});
