import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { KernelInstance } from "../../../src/wasm/loader.js";
import { getF32, kernelsFor, putF32, scoped } from "../../support/kernels.js";
import { mulberry32, randomF32 } from "../../support/random.js";

interface Shape {
  batch: number;
  seqLen: number;
  queryLen: number;
  heads: number;
  headDim: number;
}

const HALF_F32_ULP = 2 ** -24;
const SENTINEL = -12345.5;

const sizes = (s: Shape) => {
  const C = s.heads * s.headDim;
  return { C, q: s.batch * s.queryLen * C, kv: s.batch * s.seqLen * C, probs: s.batch * s.heads * s.queryLen * s.seqLen };
};
const show = (s: Shape) => `B${s.batch} T${s.seqLen} Tq${s.queryLen} H${s.heads} D${s.headDim}`;

/** The shapes of the brief: odd batches, short sequences, read-out at the last position or everywhere. */
const GRID: Shape[] = [];
for (const batch of [1, 3, 7, 13])
  for (const seqLen of [1, 3, 5])
    for (const queryLen of [...new Set([1, seqLen])])
      for (const heads of [1, 4]) for (const headDim of [1, 3, 32]) GRID.push({ batch, seqLen, queryLen, heads, headDim });

const randomShape = fc
  .record({ batch: fc.integer({ min: 1, max: 6 }), seqLen: fc.integer({ min: 1, max: 9 }), heads: fc.integer({ min: 1, max: 4 }), headDim: fc.integer({ min: 1, max: 9 }) })
  .chain((s) => fc.integer({ min: 1, max: s.seqLen }).map((queryLen) => ({ ...s, queryLen }) as Shape));

// ---------------------------------------------------------------------------------------------
// Plain float64 references, written the textbook way (Math.exp, scores kept in an array).

interface ForwardRef {
  out: Float64Array;
  probs: Float64Array;
  /** Σ_s p_s·|v_sj|: the size of the terms summed into out. */
  outMag: Float64Array;
}

/** Forward over batch rows [b0, b1) (other rows left 0). */
function forwardRef(q: ArrayLike<number>, k: ArrayLike<number>, v: ArrayLike<number>, s: Shape, b0 = 0, b1 = s.batch): ForwardRef {
  const { C, q: nq, probs: np } = sizes(s);
  const { seqLen: T, queryLen: Tq, heads: H, headDim: D } = s;
  const out = new Float64Array(nq), outMag = new Float64Array(nq), probs = new Float64Array(np);
  const scale = 1 / Math.sqrt(D);
  for (let b = b0; b < b1; b++)
    for (let h = 0; h < H; h++)
      for (let tq = 0; tq < Tq; tq++) {
        const t = T - Tq + tq, qo = (b * Tq + tq) * C + h * D;
        const scores: number[] = [];
        for (let src = 0; src <= t; src++) {
          const ko = (b * T + src) * C + h * D;
          let dot = 0;
          for (let j = 0; j < D; j++) dot += q[qo + j] * k[ko + j];
          scores.push(dot * scale);
        }
        const m = Math.max(...scores);
        const e = scores.map((x) => Math.exp(x - m));
        const sum = e.reduce((a, x) => a + x, 0);
        const po = ((b * H + h) * Tq + tq) * T;
        for (let src = 0; src <= t; src++) {
          const p = e[src] / sum;
          probs[po + src] = p;
          const vo = (b * T + src) * C + h * D;
          for (let j = 0; j < D; j++) {
            out[qo + j] += p * v[vo + j];
            outMag[qo + j] += p * Math.abs(v[vo + j]);
          }
        }
      }
  return { out, probs, outMag };
}

interface BackwardRef {
  dq: Float64Array;
  dk: Float64Array;
  dv: Float64Array;
  /** Sums of the absolute values of every term (including both parts of p·(dp − D)): error scales. */
  dqMag: Float64Array;
  dkMag: Float64Array;
  dvMag: Float64Array;
}

/** The analytic gradients for the given probabilities P (the kernel's f32 ones or the f64 reference's). */
function backwardRef(dout: ArrayLike<number>, P: ArrayLike<number>, q: ArrayLike<number>, k: ArrayLike<number>, v: ArrayLike<number>, s: Shape): BackwardRef {
  const { C, q: nq, kv: nkv } = sizes(s);
  const { batch, seqLen: T, queryLen: Tq, heads: H, headDim: D } = s;
  const r: BackwardRef = {
    dq: new Float64Array(nq),
    dk: new Float64Array(nkv),
    dv: new Float64Array(nkv),
    dqMag: new Float64Array(nq),
    dkMag: new Float64Array(nkv),
    dvMag: new Float64Array(nkv),
  };
  const sd = Math.sqrt(D);
  for (let b = 0; b < batch; b++)
    for (let h = 0; h < H; h++)
      for (let tq = 0; tq < Tq; tq++) {
        const t = T - Tq + tq, qo = (b * Tq + tq) * C + h * D, po = ((b * H + h) * Tq + tq) * T;
        const dp: number[] = [], dpAbs: number[] = [];
        for (let src = 0; src <= t; src++) {
          const vo = (b * T + src) * C + h * D;
          let x = 0, a = 0;
          for (let j = 0; j < D; j++) (x += dout[qo + j] * v[vo + j]), (a += Math.abs(dout[qo + j] * v[vo + j]));
          dp.push(x);
          dpAbs.push(a);
        }
        let Dt = 0, DAbs = 0;
        for (let src = 0; src <= t; src++) (Dt += P[po + src] * dp[src]), (DAbs += P[po + src] * dpAbs[src]);
        for (let src = 0; src <= t; src++) {
          const p = P[po + src];
          const g = (p * (dp[src] - Dt)) / sd, gAbs = (p * (dpAbs[src] + DAbs)) / sd;
          const ko = (b * T + src) * C + h * D;
          for (let j = 0; j < D; j++) {
            r.dq[qo + j] += g * k[ko + j];
            r.dqMag[qo + j] += gAbs * Math.abs(k[ko + j]);
            r.dk[ko + j] += g * q[qo + j];
            r.dkMag[ko + j] += gAbs * Math.abs(q[qo + j]);
            r.dv[ko + j] += p * dout[qo + j];
            r.dvMag[ko + j] += p * Math.abs(dout[qo + j]);
          }
        }
      }
  return r;
}

// ---------------------------------------------------------------------------------------------
// Running the kernels.

interface Inputs {
  q: Float32Array;
  k: Float32Array;
  v: Float32Array;
  dout: Float32Array;
}

function inputs(s: Shape, seed: number, scale = 1): Inputs {
  const n = sizes(s);
  return { q: randomF32(n.q, seed, scale), k: randomF32(n.kv, seed + 1, scale), v: randomF32(n.kv, seed + 2), dout: randomF32(n.q, seed + 3) };
}

const argsOf = (s: Shape) => [s.batch, s.seqLen, s.queryLen, s.heads, s.headDim] as const;

/** Forward over the given batch ranges (one call each); unwritten outputs keep SENTINEL. */
function runForward(k: KernelInstance, x: Inputs, s: Shape, ranges: [number, number][]): { out: Float32Array; probs: Float32Array } {
  const n = sizes(s);
  const pOut = putF32(k, new Float32Array(n.q).fill(SENTINEL)), pProbs = putF32(k, new Float32Array(n.probs).fill(SENTINEL));
  const pq = putF32(k, x.q), pk = putF32(k, x.k), pv = putF32(k, x.v);
  for (const [r0, r1] of ranges) k.kernels.f32_attention_forward_scalar(pOut, pProbs, pq, pk, pv, ...argsOf(s), r0, r1);
  return { out: getF32(k, pOut, n.q), probs: getF32(k, pProbs, n.probs) };
}

function runBackward(k: KernelInstance, x: Inputs, probs: Float32Array, s: Shape, ranges: [number, number][]): { dq: Float32Array; dk: Float32Array; dv: Float32Array } {
  const n = sizes(s);
  const pdq = putF32(k, new Float32Array(n.q).fill(SENTINEL)), pdk = putF32(k, new Float32Array(n.kv).fill(SENTINEL)), pdv = putF32(k, new Float32Array(n.kv).fill(SENTINEL));
  const args = [putF32(k, x.dout), putF32(k, probs), putF32(k, x.q), putF32(k, x.k), putF32(k, x.v)] as const;
  for (const [r0, r1] of ranges) k.kernels.f32_attention_backward_scalar(pdq, pdk, pdv, ...args, ...argsOf(s), r0, r1);
  return { dq: getF32(k, pdq, n.q), dk: getF32(k, pdk, n.kv), dv: getF32(k, pdv, n.kv) };
}

function check(label: string, got: ArrayLike<number>, want: ArrayLike<number>, tolerance: (e: number) => number): void {
  for (let e = 0; e < want.length; e++) {
    const tol = tolerance(e);
    if (!(Math.abs(got[e] - want[e]) <= tol)) throw new Error(`${label}[${e}]: ${got[e]} vs ${want[e]} (tolerance ${tol})`);
  }
}

// Tolerances.
// probs: our f64 scores and exp are within ~1e-13 relative of the reference's (a few ulp of exp plus
//   headDim·2⁻⁵³ of Σ|q·k|/√d for these inputs); rounding to f32 adds half an ulp: (2⁻²⁴ + 1e-12)·p,
//   or half the subnormal step 2⁻¹⁵⁰ for probabilities that underflow f32 (large scores).
const probsTolerance = (p: number) => (HALF_F32_ULP + 1e-12) * p + 2 ** -150;
// out = f32(Σ p32·v): each rounded p moves its term by ≤ (2⁻²⁴ + 1e-12)·p|v|, the f64 sum is exact to
//   ~T·2⁻⁵³ and the final rounding adds half an ulp of out: 2⁻²⁴·(|out| + Σp|v|) + 1e-12·Σp|v|
//   (+ T·2⁻¹⁵⁰ for underflowed probabilities, |v| ≤ 1, and 2⁻¹⁵⁰ for out itself).
const outTolerance = (out: number, mag: number) => HALF_F32_ULP * (Math.abs(out) + mag) + 1e-12 * mag + 2 ** -143;
// Backward against the analytic f64 formula from the SAME f32 probabilities:
//   dv: an f64 sum rounded once: 2⁻²⁴·|dv| + 1e-12·Σ|terms|.
//   dq, dk: n ≤ T terms each added to an f32 accumulator (one rounding each, ≤ 2⁻²⁴·Σ|terms| apiece),
//   with g in f64 (≈1e-15 of its magnitude): (T + 1)·2⁻²⁴·mag, mag ≥ Σ|terms| (see backwardRef).
//   Each f32 rounding may also land in the subnormals (tiny probabilities): T + 1 half-steps 2⁻¹⁵⁰.
const dvTolerance = (dv: number, mag: number) => HALF_F32_ULP * Math.abs(dv) + 1e-12 * mag + 2 ** -150;
const dqkTolerance = (T: number, mag: number) => (T + 1) * (HALF_F32_ULP * mag + 2 ** -150);

function checkForward(k: KernelInstance, x: Inputs, s: Shape): { out: Float32Array; probs: Float32Array } {
  const got = runForward(k, x, s, [[0, s.batch]]);
  const want = forwardRef(x.q, x.k, x.v, s);
  check(`${show(s)} probs`, got.probs, want.probs, (e) => probsTolerance(want.probs[e]));
  check(`${show(s)} out`, got.out, want.out, (e) => outTolerance(want.out[e], want.outMag[e]));
  // Masked probabilities are exactly +0.
  for (let e = 0; e < got.probs.length; e++) {
    const s0 = e % s.seqLen, tq = Math.floor(e / s.seqLen) % s.queryLen;
    if (s0 > s.seqLen - s.queryLen + tq && !Object.is(got.probs[e], 0)) throw new Error(`${show(s)} masked probs[${e}] = ${got.probs[e]}`);
  }
  return got;
}

function checkBackward(k: KernelInstance, x: Inputs, probs: Float32Array, s: Shape): void {
  const got = runBackward(k, x, probs, s, [[0, s.batch]]);
  const want = backwardRef(x.dout, probs, x.q, x.k, x.v, s);
  check(`${show(s)} dv`, got.dv, want.dv, (e) => dvTolerance(want.dv[e], want.dvMag[e]));
  check(`${show(s)} dq`, got.dq, want.dq, (e) => dqkTolerance(s.seqLen, want.dqMag[e]));
  check(`${show(s)} dk`, got.dk, want.dk, (e) => dqkTolerance(s.seqLen, want.dkMag[e]));
}

describe("f32_attention_forward_scalar and f32_attention_backward_scalar", () => {
  it("match the f64 references on the odd shapes (batch 1–13, T 1/3/5, Tq 1/T, heads 1/4, headDim 1/3/32)", async () => {
    const k = await kernelsFor("simd");
    GRID.forEach((s, i) =>
      scoped(k, () => {
        const x = inputs(s, 100 + 7 * i);
        const { probs } = checkForward(k, x, s);
        checkBackward(k, x, probs, s);
      }),
    );
  });

  it("match the f64 references on random shapes and input scales (large scores: the softmax is stable)", async () => {
    const k = await kernelsFor("simd");
    fc.assert(
      fc.property(randomShape, fc.integer({ min: 0, max: 2 ** 31 - 1 }), fc.constantFrom(0.1, 1, 4, 30), (s, seed, scale) =>
        scoped(k, () => {
          const x = inputs(s, seed, scale);
          const { probs } = checkForward(k, x, s);
          checkBackward(k, x, probs, s);
        }),
      ),
      { numRuns: 60 },
    );
  });

  it("match the f64 references at T = Tq = 64", async () => {
    const k = await kernelsFor("simd");
    const s: Shape = { batch: 2, seqLen: 64, queryLen: 64, heads: 2, headDim: 8 };
    scoped(k, () => {
      const x = inputs(s, 9, 2);
      const { probs } = checkForward(k, x, s);
      checkBackward(k, x, probs, s);
    });
  });

  // The exact gradient of L = Σ out ⊙ R (R = dout) of the f64 forward, by central differences, against
  // the kernels' backward (fed the kernel forward's f32 probabilities). Differences from the analytic
  // check above: p is rounded to f32 (≤ 2⁻²⁴·p), which moves dv by ≤ 2⁻²⁴·Σp|dout| and g by
  // ≤ 2·2⁻²⁴·p(|dp| + |D|)/√d, so (T + 3)·2⁻²⁴·mag in all; the difference quotient with h = 1e-4 on one
  // batch row adds h²/6·|L‴| + 1e-16·|L|/h ≲ 1e-8 (inputs in [−1, 1]).
  it("match central differences of the f64 forward (sampled elements of dq, dk, dv)", async () => {
    const k = await kernelsFor("simd");
    const h = 1e-4;
    GRID.forEach((s, i) =>
      scoped(k, () => {
        const x = inputs(s, 300 + 11 * i);
        const { probs } = runForward(k, x, s, [[0, s.batch]]);
        const got = runBackward(k, x, probs, s, [[0, s.batch]]);
        const mag = backwardRef(x.dout, forwardRef(x.q, x.k, x.v, s).probs, x.q, x.k, x.v, s);
        const next = mulberry32(400 + i);
        const { C } = sizes(s);
        for (const [name, rowLen] of [["q", s.queryLen * C], ["k", s.seqLen * C], ["v", s.seqLen * C]] as const) {
          for (let n = 0; n < 4; n++) {
            const e = Math.floor(next() * x[name].length), b = Math.floor(e / rowLen);
            const loss = (value: number) => {
              const t = { q: Float64Array.from(x.q), k: Float64Array.from(x.k), v: Float64Array.from(x.v) };
              t[name][e] = value;
              const out = forwardRef(t.q, t.k, t.v, s, b, b + 1).out;
              let L = 0;
              for (let o = b * s.queryLen * C; o < (b + 1) * s.queryLen * C; o++) L += out[o] * x.dout[o];
              return L;
            };
            const fd = (loss(x[name][e] + h) - loss(x[name][e] - h)) / (2 * h);
            const g = name === "q" ? got.dq[e] : name === "k" ? got.dk[e] : got.dv[e];
            const m = name === "q" ? mag.dqMag[e] : name === "k" ? mag.dkMag[e] : mag.dvMag[e];
            const tol = (s.seqLen + 3) * HALF_F32_ULP * m + 1e-8;
            if (!(Math.abs(g - fd) <= tol)) throw new Error(`${show(s)} d${name}[${e}]: ${g} vs central difference ${fd} (tolerance ${tol})`);
          }
        }
      }),
    );
  });

  it("give the same bits however [0, batch) is split, write only their rows, and agree across builds", async () => {
    const results: Uint8Array[][] = [];
    for (const build of ["simd", "simd-threads"] as const) {
      const k = await kernelsFor(build);
      for (const s of [
        { batch: 13, seqLen: 5, queryLen: 5, heads: 4, headDim: 3 },
        { batch: 7, seqLen: 3, queryLen: 1, heads: 4, headDim: 32 },
        { batch: 13, seqLen: 3, queryLen: 3, heads: 1, headDim: 1 },
      ]) {
        scoped(k, () => {
          const x = inputs(s, s.batch + s.headDim);
          const whole = runForward(k, x, s, [[0, s.batch]]);
          const wholeGrad = runBackward(k, x, whole.probs, s, [[0, s.batch]]);
          const cuts = [...new Set([0, 1, 2, 6, s.batch - 1, s.batch])].filter((c) => c <= s.batch).sort((a, b) => a - b);
          const ranges = cuts.slice(1).map((c, j) => [cuts[j], c] as [number, number]);
          const split = runForward(k, x, s, ranges);
          const splitGrad = runBackward(k, x, whole.probs, s, ranges);
          expect(split.out).toEqual(whole.out);
          expect(split.probs).toEqual(whole.probs);
          expect(splitGrad.dq).toEqual(wholeGrad.dq);
          expect(splitGrad.dk).toEqual(wholeGrad.dk);
          expect(splitGrad.dv).toEqual(wholeGrad.dv);
          // A range writes its own rows and nothing else.
          const { C, probs: np } = sizes(s);
          const part = runForward(k, x, s, [[2, 6]]), partGrad = runBackward(k, x, whole.probs, s, [[2, 6]]);
          const perRow = { out: s.queryLen * C, probs: np / s.batch, dq: s.queryLen * C, dk: s.seqLen * C, dv: s.seqLen * C };
          const pairs = [["out", part.out, whole.out], ["probs", part.probs, whole.probs], ["dq", partGrad.dq, wholeGrad.dq], ["dk", partGrad.dk, wholeGrad.dk], ["dv", partGrad.dv, wholeGrad.dv]] as const;
          for (const [name, got, full] of pairs) {
            for (let e = 0; e < got.length; e++) {
              const b = Math.floor(e / perRow[name]);
              const want = b >= 2 && b < 6 ? full[e] : SENTINEL;
              if (!Object.is(got[e], want)) throw new Error(`${show(s)} ${name}[${e}] (row ${b}) = ${got[e]}, expected ${want}`);
            }
          }
          results.push([whole.out, whole.probs, wholeGrad.dq, wholeGrad.dk, wholeGrad.dv].map((a) => new Uint8Array(a.buffer.slice(0))));
        });
      }
    }
    for (let r = 0; r < 3; r++) expect(results[r + 3]).toEqual(results[r]);
  });

  it("read out at the last position only (queryLen = 1) gives the last row of queryLen = seqLen bit for bit", async () => {
    const k = await kernelsFor("simd");
    for (const full of GRID.filter((s) => s.queryLen === s.seqLen)) {
      scoped(k, () => {
        const last: Shape = { ...full, queryLen: 1 };
        const T = full.seqLen, { C } = sizes(full);
        const x = inputs(full, 500 + T * full.headDim + full.batch);
        // The last query of every batch row, and a dout that is zero at every other query.
        const pick = (a: Float32Array) => {
          const r = new Float32Array(full.batch * C);
          for (let b = 0; b < full.batch; b++) r.set(a.subarray((b * T + T - 1) * C, (b * T + T) * C), b * C);
          return r;
        };
        const doutFull = new Float32Array(x.dout.length);
        for (let b = 0; b < full.batch; b++) doutFull.set(x.dout.subarray((b * T + T - 1) * C, (b * T + T) * C), (b * T + T - 1) * C);
        const xFull = { ...x, dout: doutFull }, xLast = { ...x, q: pick(x.q), dout: pick(doutFull) };
        const a = runForward(k, xFull, full, [[0, full.batch]]), z = runForward(k, xLast, last, [[0, full.batch]]);
        expect(z.out).toEqual(pick(a.out));
        const probsLast = new Float32Array(full.batch * full.heads * T);
        for (let r = 0; r < full.batch * full.heads; r++) probsLast.set(a.probs.subarray((r * T + T - 1) * T, (r * T + T) * T), r * T);
        expect(z.probs).toEqual(probsLast);
        const ga = runBackward(k, xFull, a.probs, full, [[0, full.batch]]), gz = runBackward(k, xLast, z.probs, last, [[0, full.batch]]);
        expect(gz.dq).toEqual(pick(ga.dq));
        expect(gz.dk).toEqual(ga.dk);
        expect(gz.dv).toEqual(ga.dv);
      });
    }
  });
});
