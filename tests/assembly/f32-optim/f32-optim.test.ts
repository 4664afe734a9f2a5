import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { KernelInstance } from "../../../src/wasm/loader.js";
import { getF32, kernelsFor, putF32, scoped } from "../../support/kernels.js";
import { ODD_SIZES, randomF32 } from "../../support/random.js";

const U = 2 ** -24; // half an f32 ulp, relative
const f = Math.fround;
const STEPS = 5;

const size = fc.oneof(fc.constantFrom(...ODD_SIZES), fc.integer({ min: 1, max: 19 }));
const seed = fc.integer({ min: 0, max: 2 ** 31 - 1 });
const lr = fc.double({ min: 1e-4, max: 0.1, noNaN: true });
const weightDecay = fc.constantFrom(0, 0.01, 1, 5);
const gradScale = fc.constantFrom(1e-6, 1e-3, 1, 100);
const cutsOf = (n: number) => [...new Set([0, 1, 6, Math.floor(n / 3), n - 2, n].filter((c) => c >= 0 && c <= n))].sort((a, b) => a - b);

/** β^n by squaring, as the kernel does (JS doubles are IEEE f64 like wasm's, so the same bits). */
function powi(base: number, n: number): number {
  let result = 1, x = base;
  for (; n > 0; n >>= 1) {
    if (n & 1) result *= x;
    x *= x;
  }
  return result;
}

interface Sgd {
  lr: number;
  momentum: number;
  wd: number;
}

interface Adam {
  lr: number;
  beta1: number;
  beta2: number;
  eps: number;
  wd: number;
}

/** One step of the kernel's exact f32 operation sequence, each operation rounded with Math.fround. */
function sgdF32(p: Float32Array, g: Float32Array, v: Float32Array, h: Sgd) {
  const [lrf, mu, wd] = [f(h.lr), f(h.momentum), f(h.wd)];
  for (let i = 0; i < p.length; i++) {
    const gi = f(g[i] + f(wd * p[i]));
    v[i] = f(f(mu * v[i]) + gi);
    p[i] = f(p[i] - f(lrf * v[i]));
  }
}

function adamwF32(p: Float32Array, g: Float32Array, m: Float32Array, v: Float32Array, h: Adam, t: number) {
  const decay = f(1 - h.lr * h.wd), b1 = f(h.beta1), c1 = f(1 - h.beta1), b2 = f(h.beta2), c2 = f(1 - h.beta2);
  const stepSize = f(h.lr / (1 - powi(h.beta1, t))), bc2Sqrt = f(Math.sqrt(1 - powi(h.beta2, t))), eps = f(h.eps);
  for (let i = 0; i < p.length; i++) {
    const pi = f(p[i] * decay);
    m[i] = f(f(b1 * m[i]) + f(c1 * g[i]));
    v[i] = f(f(b2 * v[i]) + f(c2 * f(g[i] * g[i])));
    const denom = f(f(f(Math.sqrt(v[i])) / bc2Sqrt) + eps);
    p[i] = f(pi - f(stepSize * f(m[i] / denom)));
  }
}

/** Runs `steps` kernel steps on fresh state (params p0, zero moments) with gradients seed+t, over the given ranges. */
function runOptimizer(k: KernelInstance, kind: "sgd" | "adamw", h: Sgd & Adam, p0: Float32Array, seedG: number, gScale: number, steps: number, ranges: [number, number][]) {
  const n = p0.length;
  const pp = putF32(k, p0), pg = k.arena.allocF32(n), pm = putF32(k, new Float32Array(n)), pv = putF32(k, new Float32Array(n));
  const after: Float32Array[] = [];
  for (let t = 1; t <= steps; t++) {
    k.arena.f32(pg, n).set(randomF32(n, seedG + t, gScale));
    for (const [i0, i1] of ranges) {
      if (kind === "sgd") k.kernels.f32_sgd_momentum_wasmsimd(pp, pg, pm, h.lr, h.momentum, h.wd, i0, i1);
      else k.kernels.f32_adamw_wasmsimd(pp, pg, pm, pv, h.lr, h.beta1, h.beta2, h.eps, h.wd, t, i0, i1);
    }
    after.push(getF32(k, pp, n));
  }
  return { after, m: getF32(k, pm, n), v: getF32(k, pv, n) };
}

describe("f32_sgd_momentum_wasmsimd", () => {
  const hyper = fc.record({ lr, momentum: fc.constantFrom(0, 0.5, 0.9, 0.99), wd: weightDecay });

  // Against the textbook (PyTorch) formula in f64 from the same start: each step rounds about six
  // times, at the scale of |p| and of lr·|v|; errors in v carry into later steps with weight μ, and
  // earlier errors in p (at the scale p had then) stay. So after step t:
  // |p − p_ref| ≤ 16·t·2⁻²⁴·(P + lr·V), P = max over steps ≤ t of |p_ref|, V = μ·V + |g| + wd·|p|.
  it(`${STEPS} steps with weight decay match PyTorch's formula in f64 within 16·t·2⁻²⁴·(max|p| + lr·V), and its f32 operation sequence bit for bit`, async () => {
    const k = await kernelsFor("simd");
    fc.assert(
      fc.property(size, seed, hyper, gradScale, (n, s, h, gs) =>
        scoped(k, () => {
          const p0 = randomF32(n, s);
          const { after } = runOptimizer(k, "sgd", { ...h, beta1: 0, beta2: 0, eps: 0 }, p0, s, gs, STEPS, [[0, n]]);
          const p = Float64Array.from(p0), v = new Float64Array(n), mag = new Float64Array(n), pMax = Float64Array.from(p0, Math.abs);
          const p32 = Float32Array.from(p0), v32 = new Float32Array(n);
          for (let t = 1; t <= STEPS; t++) {
            const g = randomF32(n, s + t, gs);
            sgdF32(p32, g, v32, h);
            expect(after[t - 1]).toEqual(p32);
            for (let i = 0; i < n; i++) {
              mag[i] = h.momentum * mag[i] + Math.abs(g[i]) + h.wd * Math.abs(p[i]);
              v[i] = h.momentum * v[i] + (g[i] + h.wd * p[i]);
              p[i] -= h.lr * v[i];
              pMax[i] = Math.max(pMax[i], Math.abs(p[i]));
              const tol = 16 * t * U * (pMax[i] + h.lr * mag[i]);
              if (!(Math.abs(after[t - 1][i] - p[i]) <= tol)) throw new Error(`step ${t} element ${i}: ${after[t - 1][i]} vs ${p[i]} (tol ${tol})`);
            }
          }
        }),
      ),
      { numRuns: 60 },
    );
  });

  it("gives the same bits however the range is split", async () => {
    const k = await kernelsFor("simd");
    const h = { lr: 0.03, momentum: 0.9, wd: 0.1, beta1: 0, beta2: 0, eps: 0 };
    for (const n of [257, 113, 7]) {
      scoped(k, () => {
        const p0 = randomF32(n, n);
        const whole = runOptimizer(k, "sgd", h, p0, n, 1, 3, [[0, n]]);
        const cuts = cutsOf(n);
        const split = runOptimizer(k, "sgd", h, p0, n, 1, 3, cuts.slice(1).map((c, j) => [cuts[j], c] as [number, number]));
        expect(split.after).toEqual(whole.after);
        expect(split.m).toEqual(whole.m);
      });
    }
  });
});

describe("f32_adamw_wasmsimd", () => {
  const hyper = fc.record({
    lr,
    beta1: fc.constantFrom(0.9, 0.8, 0.95, 0),
    beta2: fc.constantFrom(0.999, 0.98, 0.99),
    eps: fc.constantFrom(1e-8, 1e-6),
    wd: weightDecay,
  });

  // Against the textbook formula in f64 (Loshchilov & Hutter; PyTorch's AdamW) from the same start:
  // the decay and the final subtraction round at the scale of |p| (≤ 4·2⁻²⁴·|p| per step), and the
  // update lr·m̂/(√v̂ + eps) has |m̂|/√v̂ of order 1 for random gradients, so its roundings (about ten,
  // some amplified by cancellation in m) stay below 32·2⁻²⁴·lr per step (measured: under 5).
  // After step t: |p − p_ref| ≤ t·2⁻²⁴·(4·P + 32·lr), P = max over steps ≤ t of |p_ref| (earlier errors stay).
  it(`steps t = 1..${STEPS} with weight decay match the textbook formula in f64 within t·2⁻²⁴·(4·max|p| + 32·lr), and the documented f32 sequence bit for bit`, async () => {
    const k = await kernelsFor("simd");
    fc.assert(
      fc.property(size, seed, hyper, gradScale, (n, s, h, gs) =>
        scoped(k, () => {
          const p0 = randomF32(n, s);
          const got = runOptimizer(k, "adamw", { ...h, momentum: 0 }, p0, s, gs, STEPS, [[0, n]]);
          const p = Float64Array.from(p0), m = new Float64Array(n), v = new Float64Array(n), pMax = Float64Array.from(p0, Math.abs);
          const p32 = Float32Array.from(p0), m32 = new Float32Array(n), v32 = new Float32Array(n);
          for (let t = 1; t <= STEPS; t++) {
            const g = randomF32(n, s + t, gs);
            adamwF32(p32, g, m32, v32, h, t);
            expect(got.after[t - 1]).toEqual(p32);
            for (let i = 0; i < n; i++) {
              p[i] *= 1 - h.lr * h.wd;
              m[i] = h.beta1 * m[i] + (1 - h.beta1) * g[i];
              v[i] = h.beta2 * v[i] + (1 - h.beta2) * g[i] * g[i];
              const mHat = m[i] / (1 - h.beta1 ** t), vHat = v[i] / (1 - h.beta2 ** t);
              p[i] -= (h.lr * mHat) / (Math.sqrt(vHat) + h.eps);
              pMax[i] = Math.max(pMax[i], Math.abs(p[i]));
              const tol = t * U * (4 * pMax[i] + 32 * h.lr);
              if (!(Math.abs(got.after[t - 1][i] - p[i]) <= tol)) throw new Error(`step ${t} element ${i}: ${got.after[t - 1][i]} vs ${p[i]} (tol ${tol})`);
            }
          }
          expect(got.m).toEqual(m32);
          expect(got.v).toEqual(v32);
        }),
      ),
      { numRuns: 60 },
    );
  });

  it("computes β^t for large t without drift (t = 10000: bias corrections ≈ 1)", async () => {
    const k = await kernelsFor("simd");
    scoped(k, () => {
      const h = { lr: 1e-3, beta1: 0.9, beta2: 0.999, eps: 1e-8, wd: 0 };
      const n = 5, p0 = randomF32(n, 1), g = randomF32(n, 2);
      const pp = putF32(k, p0), pm = putF32(k, new Float32Array(n)), pv = putF32(k, new Float32Array(n));
      k.kernels.f32_adamw_wasmsimd(pp, putF32(k, g), pm, pv, h.lr, h.beta1, h.beta2, h.eps, h.wd, 10000, 0, n);
      const p32 = Float32Array.from(p0);
      adamwF32(p32, g, new Float32Array(n), new Float32Array(n), h, 10000);
      expect(getF32(k, pp, n)).toEqual(p32);
    });
  });

  it("gives the same bits however the range is split", async () => {
    const k = await kernelsFor("simd");
    const h = { lr: 0.01, beta1: 0.9, beta2: 0.98, eps: 1e-8, wd: 1, momentum: 0 };
    for (const n of [257, 113, 7]) {
      scoped(k, () => {
        const p0 = randomF32(n, n);
        const whole = runOptimizer(k, "adamw", h, p0, n, 1, 3, [[0, n]]);
        const cuts = cutsOf(n);
        const split = runOptimizer(k, "adamw", h, p0, n, 1, 3, cuts.slice(1).map((c, j) => [cuts[j], c] as [number, number]));
        expect(split.after).toEqual(whole.after);
        expect(split.m).toEqual(whole.m);
        expect(split.v).toEqual(whole.v);
      });
    }
  });
});

describe("f32_rescale_to_norm_wasmsimd", () => {
  // The factor is rounded to f32 once (2⁻²⁴ relative) and each product once (the norm moves by at most
  // 2⁻²⁴ relative); sumSquares itself is f64 (n·2⁻⁵³ relative). So ‖p‖ = target within (2⁻²³ + 2⁻⁴⁰)·target.
  it("brings the total norm of several tensors to the target within (2⁻²³ + 2⁻⁴⁰)·target, bit-exact to p·f32(target/√Σp²)", async () => {
    const k = await kernelsFor("simd");
    fc.assert(
      fc.property(fc.array(size, { minLength: 1, maxLength: 4 }), seed, fc.constantFrom(1e-3, 1, 3), fc.double({ min: 0.1, max: 100, noNaN: true }), (sizes, s, sc, target) =>
        scoped(k, () => {
          const tensors = sizes.map((n, j) => randomF32(n, s + j, sc));
          const ptrs = tensors.map((x) => putF32(k, x));
          let sumSquares = 0;
          tensors.forEach((x, j) => (sumSquares += k.kernels.f32_sumsq_wasmsimd(ptrs[j], x.length)));
          tensors.forEach((x, j) => k.kernels.f32_rescale_to_norm_wasmsimd(ptrs[j], sumSquares, target, 0, x.length));
          const scale = f(target / Math.sqrt(sumSquares));
          let norm2 = 0;
          tensors.forEach((x, j) => {
            const got = getF32(k, ptrs[j], x.length);
            expect(got).toEqual(x.map((v) => f(v * scale)));
            for (const v of got) norm2 += v * v;
          });
          expect(Math.abs(Math.sqrt(norm2) - target)).toBeLessThanOrEqual((2 ** -23 + 2 ** -40) * target);
        }),
      ),
      { numRuns: 100 },
    );
  });

  it("leaves parameters unchanged when the sum of squares is 0, and gives the same bits however the range is split", async () => {
    const k = await kernelsFor("simd");
    scoped(k, () => {
      const pz = putF32(k, new Float32Array(7));
      k.kernels.f32_rescale_to_norm_wasmsimd(pz, 0, 1, 0, 7);
      expect(getF32(k, pz, 7)).toEqual(new Float32Array(7));
    });
    for (const n of [257, 113, 7]) {
      scoped(k, () => {
        const x = randomF32(n, n, 2);
        const whole = putF32(k, x), split = putF32(k, x);
        const ss = k.kernels.f32_sumsq_wasmsimd(whole, n);
        k.kernels.f32_rescale_to_norm_wasmsimd(whole, ss, 1.5, 0, n);
        const cuts = cutsOf(n);
        for (let c = 0; c + 1 < cuts.length; c++) k.kernels.f32_rescale_to_norm_wasmsimd(split, ss, 1.5, cuts[c], cuts[c + 1]);
        expect(getF32(k, split, n)).toEqual(getF32(k, whole, n));
      });
    }
  });
});
