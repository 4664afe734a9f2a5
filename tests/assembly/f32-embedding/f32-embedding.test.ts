import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { getF32, kernelsFor, putF32, putI32, scoped } from "../../support/kernels.js";
import { mulberry32, ODD_SIZES, randomF32 } from "../../support/random.js";

const SENTINEL = -12345.5;
const HALF_F32_ULP = 2 ** -24;
const size = fc.oneof(fc.constantFrom(...ODD_SIZES), fc.integer({ min: 1, max: 19 }));
const seed = fc.integer({ min: 0, max: 2 ** 31 - 1 });
/** Small vocabularies make repeated ids common (rows up to 257 over 1..11 table rows). */
const vocab = fc.oneof(fc.integer({ min: 1, max: 11 }), fc.constant(113));
const range = (n: number) =>
  fc.oneof(fc.constant([0, n] as const), fc.tuple(fc.integer({ min: 0, max: n }), fc.integer({ min: 0, max: n })).map(([a, b]) => [Math.min(a, b), Math.max(a, b)] as const));
const cutsOf = (n: number) => [...new Set([0, 1, 6, Math.floor(n / 3), n - 2, n].filter((c) => c >= 0 && c <= n))].sort((a, b) => a - b);

function randomIds(rows: number, vocabSize: number, s: number): Int32Array {
  const next = mulberry32(s);
  return Int32Array.from({ length: rows }, () => Math.floor(next() * vocabSize));
}

describe("f32_embedding_forward_wasmsimd", () => {
  // A copy: tolerance 0.
  it.each([false, true])("gathers table rows exactly for odd shapes and row ranges, other rows untouched (accumulate=%s)", async (accumulate) => {
    const k = await kernelsFor("simd");
    fc.assert(
      fc.property(
        fc.tuple(size, size, vocab).chain(([rows, dim, v]) => fc.tuple(fc.constant(rows), fc.constant(dim), fc.constant(v), range(rows))),
        seed,
        ([rows, dim, v, [r0, r1]], s) =>
          scoped(k, () => {
            const table = randomF32(v * dim, s, 5), ids = randomIds(rows, v, s + 1);
            const pout = putF32(k, new Float32Array(rows * dim).fill(SENTINEL));
            k.kernels.f32_embedding_forward_wasmsimd(pout, putF32(k, table), putI32(k, ids), rows, dim, accumulate, r0, r1);
            const out = getF32(k, pout, rows * dim);
            for (let i = 0; i < rows; i++) {
              for (let c = 0; c < dim; c++) {
                const gathered = table[ids[i] * dim + c];
                // The sentinel is exactly representable and the sum is rounded to f32 once, like the kernel's add.
                const want = i >= r0 && i < r1 ? (accumulate ? Math.fround(SENTINEL + gathered) : gathered) : SENTINEL;
                if (out[i * dim + c] !== want) throw new Error(`${rows}×${dim} (${i}, ${c}): ${out[i * dim + c]} vs ${want}`);
              }
            }
          }),
      ),
      { numRuns: 100 },
    );
  });

  it("gives the same bits however the rows are split", async () => {
    const k = await kernelsFor("simd");
    for (const [rows, dim, v] of [[257, 97, 7], [113, 5, 113], [3, 257, 2]]) {
      scoped(k, () => {
        const pt = putF32(k, randomF32(v * dim, rows)), pid = putI32(k, randomIds(rows, v, dim));
        const whole = k.arena.allocF32(rows * dim), split = k.arena.allocF32(rows * dim);
        k.kernels.f32_embedding_forward_wasmsimd(whole, pt, pid, rows, dim, false, 0, rows);
        const cuts = cutsOf(rows);
        for (let c = 0; c + 1 < cuts.length; c++) k.kernels.f32_embedding_forward_wasmsimd(split, pt, pid, rows, dim, false, cuts[c], cuts[c + 1]);
        expect(getF32(k, split, rows * dim)).toEqual(getF32(k, whole, rows * dim));
      });
    }
  });
});

describe("f32_embedding_backward_wasmsimd", () => {
  // Each table element gets dtable + dout rows with its id, added in row order in f32:
  //  - bit for bit the same as a Math.fround simulation of that order (tolerance 0), and
  //  - within (count + 1)·2⁻²⁴·Σ|terms| of the f64 sum (recursive summation, Higham §4.2).
  it("scatter-adds with repeated ids in row order (bit-exact) and within (count + 1)·2⁻²⁴·Σ|terms| of f64; other columns untouched", async () => {
    const k = await kernelsFor("simd");
    fc.assert(
      fc.property(
        fc.tuple(size, size, vocab).chain(([rows, dim, v]) => fc.tuple(fc.constant(rows), fc.constant(dim), fc.constant(v), range(dim))),
        seed,
        ([rows, dim, v, [c0, c1]], s) =>
          scoped(k, () => {
            const dout = randomF32(rows * dim, s, 3), ids = randomIds(rows, v, s + 1), d0 = randomF32(v * dim, s + 2);
            const pd = putF32(k, d0);
            k.kernels.f32_embedding_backward_wasmsimd(pd, putF32(k, dout), putI32(k, ids), rows, dim, c0, c1);
            const got = getF32(k, pd, v * dim);
            const exact = Float32Array.from(d0), sum = Float64Array.from(d0), abs = Float64Array.from(d0, Math.abs), count = new Int32Array(v);
            for (let i = 0; i < rows; i++) {
              count[ids[i]]++;
              for (let c = c0; c < c1; c++) {
                const e = ids[i] * dim + c, g = dout[i * dim + c];
                exact[e] = Math.fround(exact[e] + g);
                sum[e] += g;
                abs[e] += Math.abs(g);
              }
            }
            for (let e = 0; e < v * dim; e++) {
              if (got[e] !== exact[e]) throw new Error(`${rows}×${dim} vocab ${v} [${c0}, ${c1}) element ${e}: ${got[e]} vs ${exact[e]} (row-order f32)`);
              const tol = (count[Math.floor(e / dim)] + 1) * HALF_F32_ULP * abs[e];
              if (!(Math.abs(got[e] - sum[e]) <= tol)) throw new Error(`element ${e}: ${got[e]} vs f64 ${sum[e]}`);
            }
          }),
      ),
      { numRuns: 100 },
    );
  });

  it("gives the same bits however the columns are split, with every row hitting one of two ids", async () => {
    const k = await kernelsFor("simd");
    for (const [rows, dim, v] of [[257, 97, 2], [113, 257, 3], [7, 5, 1]]) {
      scoped(k, () => {
        const pdo = putF32(k, randomF32(rows * dim, rows)), pid = putI32(k, randomIds(rows, v, dim)), d0 = randomF32(v * dim, v);
        const whole = putF32(k, d0), split = putF32(k, d0);
        k.kernels.f32_embedding_backward_wasmsimd(whole, pdo, pid, rows, dim, 0, dim);
        const cuts = cutsOf(dim);
        for (let c = 0; c + 1 < cuts.length; c++) k.kernels.f32_embedding_backward_wasmsimd(split, pdo, pid, rows, dim, cuts[c], cuts[c + 1]);
        expect(getF32(k, split, v * dim)).toEqual(getF32(k, whole, v * dim));
      });
    }
  });
});
