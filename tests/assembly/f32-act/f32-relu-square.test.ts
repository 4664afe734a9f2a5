import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { getF32, kernelsFor, putF32, scoped } from "../../support/kernels.js";
import { ODD_SIZES, randomF32 } from "../../support/random.js";

// Tolerance for all four kernels: zero. ReLU only selects; square's x·x and the gradient's (x + x)·dy
// are exact in f64 (a doubling, then a product of 24-bit significands), so the kernel's single f32
// rounding must equal Math.fround of the f64 value bit for bit (within half an f32 ulp of the exact value).
const SENTINEL = -12345.5;
/** Zeros of both signs, subnormals, huge values, infinities and NaN. */
const SPECIAL = [0, -0, 1e-45, -1e-45, 1e-38, -1e-38, 0.5, -0.5, 1, -1, 3e19, -3e19, 3e38, -3e38, Infinity, -Infinity, NaN];

interface Elementwise {
  name: string;
  forward: "f32_relu_forward_wasmsimd" | "f32_square_forward_wasmsimd";
  backward: "f32_relu_backward_wasmsimd" | "f32_square_backward_wasmsimd";
  f: (x: number) => number;
  df: (x: number, dy: number) => number;
}

const ACTS: Elementwise[] = [
  {
    name: "relu",
    forward: "f32_relu_forward_wasmsimd",
    backward: "f32_relu_backward_wasmsimd",
    // x ≤ 0 → +0, else x (NaN passes through).
    f: (x) => (x <= 0 ? 0 : x),
    df: (x, dy) => (x > 0 ? dy : 0),
  },
  {
    name: "square",
    forward: "f32_square_forward_wasmsimd",
    backward: "f32_square_backward_wasmsimd",
    f: (x) => Math.fround(x * x),
    df: (x, dy) => Math.fround(2 * x * dy),
  },
];

/** Same bits, so +0 and −0 differ and NaN equals NaN. */
const same = (a: number, b: number) => Object.is(a, b);

const size = fc.oneof(fc.constantFrom(...ODD_SIZES), fc.integer({ min: 1, max: 19 }));
const sizeAndRange = size.chain((n) =>
  fc.oneof(
    fc.constant([n, 0, n] as const),
    fc.tuple(fc.integer({ min: 0, max: n }), fc.integer({ min: 0, max: n })).map(([a, b]) => [n, Math.min(a, b), Math.max(a, b)] as const),
  ),
);
const seed = fc.integer({ min: 0, max: 2 ** 31 - 1 });
const scale = fc.constantFrom(1e-20, 1, 1e4);

describe.each(ACTS)("$name", (a) => {
  it("forward and backward equal the f64 reference rounded once (tolerance 0) on odd sizes and ranges; the rest untouched", async () => {
    const k = await kernelsFor("simd");
    fc.assert(
      fc.property(sizeAndRange, seed, scale, ([n, i0, i1], s, sc) =>
        scoped(k, () => {
          const x = randomF32(n, s, sc), dy = randomF32(n, s + 1, 3);
          const px = putF32(k, x), py = putF32(k, new Float32Array(n).fill(SENTINEL)), pdx = putF32(k, new Float32Array(n).fill(SENTINEL));
          k.kernels[a.forward](py, px, i0, i1);
          k.kernels[a.backward](pdx, putF32(k, dy), px, i0, i1);
          const y = getF32(k, py, n), dx = getF32(k, pdx, n);
          for (let i = 0; i < n; i++) {
            const inside = i >= i0 && i < i1;
            const wantY = inside ? a.f(x[i]) : SENTINEL, wantDx = inside ? a.df(x[i], dy[i]) : SENTINEL;
            if (!same(y[i], wantY) || !same(dx[i], wantDx)) throw new Error(`n=${n} [${i0}, ${i1}) x[${i}] = ${x[i]}: y ${y[i]} vs ${wantY}, dx ${dx[i]} vs ${wantDx}`);
          }
        }),
      ),
      { numRuns: 100 },
    );
  });

  it("handles zeros, subnormals, infinities and NaN in the SIMD body and the scalar tail alike; y may alias x", async () => {
    const k = await kernelsFor("simd");
    // Each special value at every position of a 4-lane block and in the tail (n = 7: lanes 0..3, tail 4..6).
    for (const v of SPECIAL) {
      for (let pos = 0; pos < 7; pos++) {
        scoped(k, () => {
          const x = randomF32(7, pos, 2);
          x[pos] = v;
          const dy = randomF32(7, pos + 9, 2);
          const px = putF32(k, x), pdx = k.arena.allocF32(7);
          k.kernels[a.backward](pdx, putF32(k, dy), px, 0, 7);
          k.kernels[a.forward](px, px, 0, 7);
          const y = getF32(k, px, 7), dx = getF32(k, pdx, 7);
          for (let i = 0; i < 7; i++) {
            if (a.name === "relu" || (Number.isFinite(x[i]) && Math.abs(2 * x[i]) < 3.4e38)) {
              expect(same(y[i], a.f(x[i])), `y(${x[i]}) = ${y[i]}`).toBe(true);
              expect(same(dx[i], a.df(x[i], dy[i])), `dx(${x[i]}) = ${dx[i]}`).toBe(true);
            } else {
              // Infinities, NaN and x + x overflowing: only the class of the result is defined (NaN bits vary by engine).
              expect(Number.isNaN(y[i])).toBe(Number.isNaN(a.f(x[i])));
              expect(Number.isNaN(dx[i]) || !Number.isFinite(dx[i])).toBe(true);
            }
          }
        });
      }
    }
  });

  it("gives the same bits however the range is split", async () => {
    const k = await kernelsFor("simd");
    for (const n of [257, 113, 7]) {
      scoped(k, () => {
        const px = putF32(k, randomF32(n, n, 3)), pdy = putF32(k, randomF32(n, n + 1));
        const y = [k.arena.allocF32(n), k.arena.allocF32(n)], dx = [k.arena.allocF32(n), k.arena.allocF32(n)];
        k.kernels[a.forward](y[0], px, 0, n);
        k.kernels[a.backward](dx[0], pdy, px, 0, n);
        const cuts = [...new Set([0, 1, 6, Math.floor(n / 3), n - 2, n])].sort((p, q) => p - q);
        for (let c = 0; c + 1 < cuts.length; c++) {
          k.kernels[a.forward](y[1], px, cuts[c], cuts[c + 1]);
          k.kernels[a.backward](dx[1], pdy, px, cuts[c], cuts[c + 1]);
        }
        expect(getF32(k, y[1], n)).toEqual(getF32(k, y[0], n));
        expect(getF32(k, dx[1], n)).toEqual(getF32(k, dx[0], n));
      });
    }
  });
});
