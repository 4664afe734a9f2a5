import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { KernelInstance } from "../../../src/wasm/loader.js";
import { getF32, kernelsFor, putF32, scoped } from "../../support/kernels.js";
import { mulberry32, ODD_SIZES, randomF32 } from "../../support/random.js";

const HALF_F32_ULP = 2 ** -24;
const SENTINEL = -12345.5;
const EPS = 1e-5;

// ---------------------------------------------------------------------------------------------
// Plain float64 references.

interface ForwardRef {
  out: Float64Array;
  mean: Float64Array;
  rstd: Float64Array;
}

/** LayerNorm in f64, textbook: biased variance, eps inside the square root. */
function forwardRef(x: ArrayLike<number>, gamma: ArrayLike<number>, beta: ArrayLike<number>, rows: number, dim: number, eps: number, r0 = 0, r1 = rows): ForwardRef {
  const out = new Float64Array(rows * dim), mean = new Float64Array(rows), rstd = new Float64Array(rows);
  for (let i = r0; i < r1; i++) {
    let m = 0;
    for (let j = 0; j < dim; j++) m += x[i * dim + j];
    m /= dim;
    let v = 0;
    for (let j = 0; j < dim; j++) v += (x[i * dim + j] - m) ** 2;
    v /= dim;
    const r = 1 / Math.sqrt(v + eps);
    mean[i] = m;
    rstd[i] = r;
    for (let j = 0; j < dim; j++) out[i * dim + j] = (x[i * dim + j] - m) * r * gamma[j] + beta[j];
  }
  return { out, mean, rstd };
}

interface BackwardRef {
  dx: Float64Array;
  /** rstd·(|dxhat_j| + Σ|dxhat|/n + |xhat_j|·Σ|dxhat·xhat|/n): the size of what dx is made of. */
  dxMag: Float64Array;
  dgamma: Float64Array;
  dgammaMag: Float64Array;
  dbeta: Float64Array;
  dbetaMag: Float64Array;
}

/** The analytic gradients for the given statistics (the kernel's saved f32 ones or exact f64 ones). */
function backwardRef(dout: ArrayLike<number>, x: ArrayLike<number>, mean: ArrayLike<number>, rstd: ArrayLike<number>, gamma: ArrayLike<number>, rows: number, dim: number): BackwardRef {
  const r: BackwardRef = {
    dx: new Float64Array(rows * dim),
    dxMag: new Float64Array(rows * dim),
    dgamma: new Float64Array(dim),
    dgammaMag: new Float64Array(dim),
    dbeta: new Float64Array(dim),
    dbetaMag: new Float64Array(dim),
  };
  for (let i = 0; i < rows; i++) {
    const xhat = (j: number) => (x[i * dim + j] - mean[i]) * rstd[i];
    let a = 0, b = 0, aAbs = 0, bAbs = 0;
    for (let j = 0; j < dim; j++) {
      const g = dout[i * dim + j] * gamma[j];
      (a += g), (b += g * xhat(j)), (aAbs += Math.abs(g)), (bAbs += Math.abs(g * xhat(j)));
      r.dgamma[j] += dout[i * dim + j] * xhat(j);
      r.dgammaMag[j] += Math.abs(dout[i * dim + j] * xhat(j));
      r.dbeta[j] += dout[i * dim + j];
      r.dbetaMag[j] += Math.abs(dout[i * dim + j]);
    }
    for (let j = 0; j < dim; j++) {
      const g = dout[i * dim + j] * gamma[j];
      r.dx[i * dim + j] = rstd[i] * (g - a / dim - xhat(j) * (b / dim));
      r.dxMag[i * dim + j] = rstd[i] * (Math.abs(g) + aAbs / dim + Math.abs(xhat(j)) * (bAbs / dim));
    }
  }
  return r;
}

// ---------------------------------------------------------------------------------------------
// Running the kernels.

interface Inputs {
  x: Float32Array;
  gamma: Float32Array;
  beta: Float32Array;
  dout: Float32Array;
}

/** x ~ U(−scale, scale) plus a per-row offset in ±offset (rows whose mean is far from 0). */
function inputs(rows: number, dim: number, seed: number, scale = 1, offset = 0): Inputs {
  const x = randomF32(rows * dim, seed, scale), shift = randomF32(rows, seed + 1, offset);
  for (let i = 0; i < rows; i++) for (let j = 0; j < dim; j++) x[i * dim + j] = Math.fround(x[i * dim + j] + shift[i]);
  return { x, gamma: randomF32(dim, seed + 2, 2), beta: randomF32(dim, seed + 3), dout: randomF32(rows * dim, seed + 4) };
}

interface Forward {
  out: Float32Array;
  mean: Float32Array;
  rstd: Float32Array;
}

function runForward(k: KernelInstance, x: Inputs, rows: number, dim: number, ranges: [number, number][], eps = EPS): Forward {
  const pOut = putF32(k, new Float32Array(rows * dim).fill(SENTINEL));
  const pMean = putF32(k, new Float32Array(rows).fill(SENTINEL)), pRstd = putF32(k, new Float32Array(rows).fill(SENTINEL));
  const px = putF32(k, x.x), pg = putF32(k, x.gamma), pb = putF32(k, x.beta);
  for (const [r0, r1] of ranges) k.kernels.f32_layernorm_forward_scalar(pOut, pMean, pRstd, px, pg, pb, rows, dim, eps, r0, r1);
  return { out: getF32(k, pOut, rows * dim), mean: getF32(k, pMean, rows), rstd: getF32(k, pRstd, rows) };
}

function runBackwardInput(k: KernelInstance, x: Inputs, f: Forward, rows: number, dim: number, ranges: [number, number][]): Float32Array {
  const pdx = putF32(k, new Float32Array(rows * dim).fill(SENTINEL));
  const args = [putF32(k, x.dout), putF32(k, x.x), putF32(k, f.mean), putF32(k, f.rstd), putF32(k, x.gamma)] as const;
  for (const [r0, r1] of ranges) k.kernels.f32_layernorm_backward_input_scalar(pdx, ...args, rows, dim, r0, r1);
  return getF32(k, pdx, rows * dim);
}

/** Accumulates into dgamma0/dbeta0 over the given column ranges. */
function runBackwardParams(k: KernelInstance, x: Inputs, f: Forward, rows: number, dim: number, ranges: [number, number][], dgamma0: Float32Array, dbeta0: Float32Array) {
  const pdg = putF32(k, dgamma0), pdb = putF32(k, dbeta0);
  const args = [putF32(k, x.dout), putF32(k, x.x), putF32(k, f.mean), putF32(k, f.rstd)] as const;
  for (const [c0, c1] of ranges) k.kernels.f32_layernorm_backward_params_scalar(pdg, pdb, ...args, rows, dim, c0, c1);
  return { dgamma: getF32(k, pdg, dim), dbeta: getF32(k, pdb, dim) };
}

function check(label: string, got: ArrayLike<number>, want: ArrayLike<number>, tolerance: (e: number) => number): void {
  for (let e = 0; e < want.length; e++) {
    const tol = tolerance(e);
    if (!(Math.abs(got[e] - want[e]) <= tol)) throw new Error(`${label}[${e}]: ${got[e]} vs ${want[e]} (tolerance ${tol})`);
  }
}

// Tolerances.
// mean: the same f64 sum as the reference, rounded once: 2⁻²⁴·|mean| (+ 2⁻⁵⁰·mean|x| for summation order).
// rstd: f64 two-pass variance (≈ dim·2⁻⁵³ relative), √ and ÷ correctly rounded, then rounded: (2⁻²⁴ + 1e-12)·rstd.
// out: from the rounded statistics, xhat moves by ≤ 2⁻²⁴·(|mean|·rstd + |xhat|)·(1 + 2⁻²⁰) (f32 mean and
//   rstd each half an ulp off), times |gamma|; the f64 arithmetic is ~1e-15 relative; the final
//   rounding adds half an ulp of out.
// dx, dgamma, dbeta against the analytic formulas from the SAME saved statistics: f64 sums of ≤ dim
//   (rows) terms, ≤ (n + 4)·2⁻⁵² of the magnitude of the terms, then one rounding: 2⁻²⁴·|ref|.
const meanTolerance = (m: number, absMean: number) => HALF_F32_ULP * Math.abs(m) + 2 ** -50 * absMean;
const rstdTolerance = (r: number) => (HALF_F32_ULP + 1e-12) * r;
const outTolerance = (out: number, gamma: number, mean: number, rstd: number, xhat: number) =>
  HALF_F32_ULP * (Math.abs(out) + (1 + 2 ** -20) * Math.abs(gamma) * (Math.abs(mean) * rstd + Math.abs(xhat))) + 1e-14 * (Math.abs(out) + Math.abs(gamma * xhat));
const sumTolerance = (ref: number, n: number, mag: number) => HALF_F32_ULP * Math.abs(ref) + (n + 4) * 2 ** -52 * mag + 2 ** -150;

function checkAll(k: KernelInstance, x: Inputs, rows: number, dim: number, label: string): void {
  const f = runForward(k, x, rows, dim, [[0, rows]]);
  const want = forwardRef(x.x, x.gamma, x.beta, rows, dim, EPS);
  check(`${label} mean`, f.mean, want.mean, (i) => {
    let a = 0;
    for (let j = 0; j < dim; j++) a += Math.abs(x.x[i * dim + j]);
    return meanTolerance(want.mean[i], a / dim);
  });
  check(`${label} rstd`, f.rstd, want.rstd, (i) => rstdTolerance(want.rstd[i]));
  check(`${label} out`, f.out, want.out, (e) => {
    const i = Math.floor(e / dim), j = e % dim;
    return outTolerance(want.out[e], x.gamma[j], want.mean[i], want.rstd[i], (x.x[e] - want.mean[i]) * want.rstd[i]);
  });
  const b = backwardRef(x.dout, x.x, f.mean, f.rstd, x.gamma, rows, dim);
  const dx = runBackwardInput(k, x, f, rows, dim, [[0, rows]]);
  check(`${label} dx`, dx, b.dx, (e) => sumTolerance(b.dx[e], dim, b.dxMag[e]));
  const d0 = randomF32(dim, rows + dim, 0.5), e0 = randomF32(dim, rows + dim + 1, 0.5);
  const p = runBackwardParams(k, x, f, rows, dim, [[0, dim]], d0, e0);
  check(`${label} dgamma`, p.dgamma, b.dgamma.map((v, j) => v + d0[j]), (j) => sumTolerance(b.dgamma[j] + d0[j], rows, b.dgammaMag[j] + Math.abs(d0[j])));
  check(`${label} dbeta`, p.dbeta, b.dbeta.map((v, j) => v + e0[j]), (j) => sumTolerance(b.dbeta[j] + e0[j], rows, b.dbetaMag[j] + Math.abs(e0[j])));
}

const size = fc.oneof(fc.constantFrom(...ODD_SIZES), fc.integer({ min: 1, max: 19 }));
const cutsOf = (n: number) => [...new Set([0, 1, 6, Math.floor(n / 3), Math.max(n - 2, 0), n].filter((c) => c <= n))].sort((a, b) => a - b);
const rangesOf = (cuts: number[]) => cuts.slice(1).map((c, j) => [cuts[j], c] as [number, number]);

describe("f32_layernorm_forward_scalar and backward kernels", () => {
  it("match the f64 references on odd shapes, input scales and row offsets", async () => {
    const k = await kernelsFor("simd");
    for (const rows of [1, 3, 7, 13])
      for (const dim of ODD_SIZES)
        scoped(k, () => checkAll(k, inputs(rows, dim, rows * 1000 + dim, 2, dim % 2 ? 0 : 50), rows, dim, `${rows}×${dim}`));
    fc.assert(
      fc.property(size, size, fc.integer({ min: 0, max: 2 ** 31 - 1 }), fc.constantFrom(1e-3, 1, 30), fc.constantFrom(0, 1, 100), (rows, dim, seed, scale, offset) =>
        scoped(k, () => checkAll(k, inputs(rows, dim, seed, scale, offset), rows, dim, `${rows}×${dim} scale ${scale} offset ${offset}`)),
      ),
      { numRuns: 60 },
    );
  });

  it("a constant row (variance 0): out = beta, rstd = f32(1/√eps), dx = f32(rstd·(dout·gamma − mean(dout·gamma))) exactly", async () => {
    const k = await kernelsFor("simd");
    scoped(k, () => {
      const [rows, dim] = [2, 5];
      const x = inputs(rows, dim, 1);
      x.x.fill(0.75);
      const f = runForward(k, x, rows, dim, [[0, rows]]);
      expect(f.out).toEqual(Float32Array.from([...x.beta, ...x.beta]));
      expect(f.rstd).toEqual(Float32Array.of(Math.fround(1 / Math.sqrt(EPS)), Math.fround(1 / Math.sqrt(EPS))));
      // xhat = 0, so the backward's formula reduces to rstd·(dxhat − A/dim) (not 0: eps keeps xhat differentiable);
      // the same f64 operations in JavaScript give the same bits.
      const want = new Float32Array(rows * dim);
      for (let i = 0; i < rows; i++) {
        let a = 0;
        for (let j = 0; j < dim; j++) a += x.dout[i * dim + j] * x.gamma[j];
        for (let j = 0; j < dim; j++) want[i * dim + j] = f.rstd[i] * (x.dout[i * dim + j] * x.gamma[j] - a / dim);
      }
      expect(runBackwardInput(k, x, f, rows, dim, [[0, rows]])).toEqual(want);
    });
  });

  // The exact gradient of L = Σ out ⊙ R (R = dout) of the f64 forward (exact statistics), by central
  // differences, against the kernels' backward fed the forward kernel's saved f32 statistics. Those
  // move xhat by ≤ 2⁻²⁴(|mean|·rstd + |xhat|) and rstd by 2⁻²⁴ relative, so the gradients by
  // ≤ 4·2⁻²⁴·(1 + |mean|·rstd)·mag; plus half an ulp of the result; the difference quotient with
  // h = 1e-4·(1 + |x|) on one row (or column) errs by ≲ 1e-8 for these inputs (std ≈ 1).
  it("match central differences of the f64 forward (dx, dgamma, dbeta)", async () => {
    const k = await kernelsFor("simd");
    for (const [rows, dim, offset] of [[1, 1, 0], [3, 3, 0], [7, 5, 3], [13, 7, 0], [5, 97, 10], [3, 32, 0]]) {
      scoped(k, () => {
        const x = inputs(rows, dim, rows + 10 * dim, 1.5, offset);
        const f = runForward(k, x, rows, dim, [[0, rows]]);
        const dx = runBackwardInput(k, x, f, rows, dim, [[0, rows]]);
        const p = runBackwardParams(k, x, f, rows, dim, [[0, dim]], new Float32Array(dim), new Float32Array(dim));
        const exact = forwardRef(x.x, x.gamma, x.beta, rows, dim, EPS);
        const mag = backwardRef(x.dout, x.x, exact.mean, exact.rstd, x.gamma, rows, dim);
        const L = (xs: ArrayLike<number>, gamma: ArrayLike<number>, beta: ArrayLike<number>, r0: number, r1: number) => {
          const out = forwardRef(xs, gamma, beta, rows, dim, EPS, r0, r1).out;
          let s = 0;
          for (let e = r0 * dim; e < r1 * dim; e++) s += out[e] * x.dout[e];
          return s;
        };
        const fd = (base: Float32Array, e: number, loss: (a: Float64Array) => number) => {
          const h = 1e-4 * (1 + Math.abs(base[e]));
          const a = Float64Array.from(base), b = Float64Array.from(base);
          a[e] += h;
          b[e] -= h;
          return (loss(a) - loss(b)) / (a[e] - b[e]);
        };
        const next = mulberry32(rows * dim);
        for (let n = 0; n < 12; n++) {
          const e = Math.floor(next() * rows * dim), i = Math.floor(e / dim), j = e % dim;
          const rel = 4 * HALF_F32_ULP * (1 + Math.abs(exact.mean[i]) * exact.rstd[i]);
          const want = fd(x.x, e, (a) => L(a, x.gamma, x.beta, i, i + 1));
          const tol = rel * mag.dxMag[e] + HALF_F32_ULP * Math.abs(want) + 1e-8;
          if (!(Math.abs(dx[e] - want) <= tol)) throw new Error(`${rows}×${dim} dx[${e}]: ${dx[e]} vs central difference ${want} (tolerance ${tol})`);
          let relMax = 0;
          for (let r = 0; r < rows; r++) relMax = Math.max(relMax, 4 * HALF_F32_ULP * (1 + Math.abs(exact.mean[r]) * exact.rstd[r]));
          const wantG = fd(x.gamma, j, (a) => L(x.x, a, x.beta, 0, rows)), wantB = fd(x.beta, j, (a) => L(x.x, x.gamma, a, 0, rows));
          const tolG = relMax * mag.dgammaMag[j] + HALF_F32_ULP * Math.abs(wantG) + 1e-8;
          const tolB = HALF_F32_ULP * Math.abs(wantB) + 1e-8;
          if (!(Math.abs(p.dgamma[j] - wantG) <= tolG)) throw new Error(`${rows}×${dim} dgamma[${j}]: ${p.dgamma[j]} vs central difference ${wantG} (tolerance ${tolG})`);
          if (!(Math.abs(p.dbeta[j] - wantB) <= tolB)) throw new Error(`${rows}×${dim} dbeta[${j}]: ${p.dbeta[j]} vs central difference ${wantB} (tolerance ${tolB})`);
        }
      });
    }
  });

  it("give the same bits however rows (forward, dx) or columns (dgamma, dbeta) are split, write only their range, and agree across builds", async () => {
    const results: Uint8Array[][] = [];
    for (const build of ["simd", "simd-threads"] as const) {
      const k = await kernelsFor(build);
      for (const [rows, dim] of [[257, 97], [13, 7], [7, 1], [1, 113]]) {
        scoped(k, () => {
          const x = inputs(rows, dim, rows + dim, 2, 5);
          const whole = runForward(k, x, rows, dim, [[0, rows]]);
          const split = runForward(k, x, rows, dim, rangesOf(cutsOf(rows)));
          expect(split).toEqual(whole);
          const dx = runBackwardInput(k, x, whole, rows, dim, [[0, rows]]);
          expect(runBackwardInput(k, x, whole, rows, dim, rangesOf(cutsOf(rows)))).toEqual(dx);
          const d0 = randomF32(dim, 3), e0 = randomF32(dim, 4);
          const p = runBackwardParams(k, x, whole, rows, dim, [[0, dim]], d0, e0);
          expect(runBackwardParams(k, x, whole, rows, dim, rangesOf(cutsOf(dim)), d0, e0)).toEqual(p);
          // Only the range is written (rows for forward and dx, columns for dgamma and dbeta).
          const [a, b] = [Math.min(1, rows), Math.min(3, rows)];
          const part = runForward(k, x, rows, dim, [[a, b]]), partDx = runBackwardInput(k, x, whole, rows, dim, [[a, b]]);
          const [c, d] = [Math.min(1, dim), Math.min(3, dim)];
          const partP = runBackwardParams(k, x, whole, rows, dim, [[c, d]], d0, e0);
          for (let e = 0; e < rows * dim; e++) {
            const inside = e >= a * dim && e < b * dim;
            if (!Object.is(part.out[e], inside ? whole.out[e] : SENTINEL) || !Object.is(partDx[e], inside ? dx[e] : SENTINEL)) {
              throw new Error(`${rows}×${dim} element ${e}: out ${part.out[e]}, dx ${partDx[e]} (rows [${a}, ${b}) written)`);
            }
          }
          for (let i = 0; i < rows; i++) expect([part.mean[i], part.rstd[i]]).toEqual(i >= a && i < b ? [whole.mean[i], whole.rstd[i]] : [SENTINEL, SENTINEL]);
          for (let j = 0; j < dim; j++) expect([partP.dgamma[j], partP.dbeta[j]]).toEqual(j >= c && j < d ? [p.dgamma[j], p.dbeta[j]] : [d0[j], e0[j]]);
          results.push([whole.out, whole.mean, whole.rstd, dx, p.dgamma, p.dbeta].map((t) => new Uint8Array(t.buffer.slice(0))));
        });
      }
    }
    for (let r = 0; r < 4; r++) expect(results[r + 4]).toEqual(results[r]);
  });

  it("may run in place: out = x in the forward, dx = dout in the backward", async () => {
    const k = await kernelsFor("simd");
    const [rows, dim] = [13, 97];
    scoped(k, () => {
      const x = inputs(rows, dim, 5, 2, 1);
      const f = runForward(k, x, rows, dim, [[0, rows]]);
      const dx = runBackwardInput(k, x, f, rows, dim, [[0, rows]]);
      const px = putF32(k, x.x), pm = k.arena.allocF32(rows), pr = k.arena.allocF32(rows);
      k.kernels.f32_layernorm_forward_scalar(px, pm, pr, px, putF32(k, x.gamma), putF32(k, x.beta), rows, dim, EPS, 0, rows);
      expect(getF32(k, px, rows * dim)).toEqual(f.out);
      const pd = putF32(k, x.dout);
      k.kernels.f32_layernorm_backward_input_scalar(pd, pd, putF32(k, x.x), putF32(k, f.mean), putF32(k, f.rstd), putF32(k, x.gamma), rows, dim, 0, rows);
      expect(getF32(k, pd, rows * dim)).toEqual(dx);
    });
  });
});
