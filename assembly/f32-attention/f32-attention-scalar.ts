// Multi-head causal self-attention core (scaled dot-product attention, Vaswani et al. 2017) for short
// sequences, forward and backward, for batch rows [r0, r1).
//
// Layout (C = heads·headDim, T = seqLen, Tq = queryLen, 1 ≤ Tq ≤ T):
//   q    [batch, Tq, C]  queries of the LAST Tq positions of each sequence: query tq sits at the
//                        absolute position t = T − Tq + tq (Tq = T: every position; Tq = 1: read-out
//                        at the last position only)
//   k, v [batch, T, C]   keys and values of every position
//   out  [batch, Tq, C]  (like q), probs [batch, heads, Tq, T] (f32)
// Head h uses columns h·headDim … (h+1)·headDim − 1 of each row.
//
// Forward, per (b, h, tq) with t = T − Tq + tq, in f64 (f32 inputs widen exactly; a product of two
// widened f32 is exact in f64), d = √headDim (correctly rounded):
//   score_s = (Σ_j q_j·k_sj, j = 0…headDim−1 in order) / d          for s = 0…t (causal)
//   m = max_s score_s;  S = Σ_s e^{score_s − m} (s = 0…t in order, f64_exp)
//   probs[s] = f32(e^{score_s − m} / S) for s ≤ t, +0 for s > t
//   out_j = f32(Σ_s probs[s]·v_sj, s = 0…t in order, in f64) — from the rounded f32 probabilities,
//   so out is exactly the P·V that the backward differentiates.
// The scores are recomputed in each of the three passes (max, sum, probabilities) rather than kept:
// the kernel has no scratch memory. The recomputation repeats the same operations, so the same bits.
// A given absolute position is computed identically whatever Tq is, so the Tq = 1 read-out equals
// the last row of the Tq = T computation bit for bit.
//
// Each batch row is computed by the same sequence of operations whatever [r0, r1) is, and batch rows
// are independent (every sum over positions stays inside one row), so threads may split rows anywhere.
import { F32 } from "../sizes";
import { f64_exp } from "../math/f64-exp";

/** Σ_j a_j·b_j over j = 0…n−1 in order, in f64 (each product exact). */
// @ts-ignore: decorator
@inline
function dot(a: usize, b: usize, n: i32): f64 {
  let s: f64 = 0;
  for (let j = 0; j < n; j++) {
    const o = <usize>j * F32;
    s += <f64>load<f32>(a + o) * <f64>load<f32>(b + o);
  }
  return s;
}

/**
 * For batch rows b in [r0, r1), every head h and query tq (absolute position t = T − Tq + tq):
 * probs[b, h, tq, s] = softmax_s((q_t·k_s)/√headDim) over s ≤ t (+0 for s > t), and
 * out[b, tq, h-slice] = Σ_{s ≤ t} probs[b, h, tq, s]·v_s (both written). Requires 1 ≤ queryLen ≤ seqLen.
 */
export function f32_attention_forward_scalar(out: usize, probs: usize, q: usize, k: usize, v: usize, batch: i32, seqLen: i32, queryLen: i32, heads: i32, headDim: i32, r0: i32, r1: i32): void {
  const ld = <usize>heads * <usize>headDim * F32; // bytes per token row
  const hd = <usize>headDim * F32;
  const d = sqrt<f64>(<f64>headDim);
  const first = seqLen - queryLen; // absolute position of query 0
  for (let b = r0; b < r1; b++) {
    const qb = q + <usize>b * <usize>queryLen * ld, ob = out + <usize>b * <usize>queryLen * ld;
    const kb = k + <usize>b * <usize>seqLen * ld, vb = v + <usize>b * <usize>seqLen * ld;
    for (let h = 0; h < heads; h++) {
      const ho = <usize>h * hd;
      for (let tq = 0; tq < queryLen; tq++) {
        const t = first + tq;
        const qt = qb + <usize>tq * ld + ho;
        const pt = probs + ((<usize>b * <usize>heads + <usize>h) * <usize>queryLen + <usize>tq) * <usize>seqLen * F32;
        // Pass 1: the largest score.
        let m = dot(qt, kb + ho, headDim) / d;
        for (let s = 1; s <= t; s++) m = max(m, dot(qt, kb + <usize>s * ld + ho, headDim) / d);
        // Pass 2: the normaliser.
        let sum: f64 = 0;
        for (let s = 0; s <= t; s++) sum += f64_exp(dot(qt, kb + <usize>s * ld + ho, headDim) / d - m);
        // Pass 3: the probabilities, rounded once; masked positions get +0.
        for (let s = 0; s <= t; s++) {
          const e = f64_exp(dot(qt, kb + <usize>s * ld + ho, headDim) / d - m);
          store<f32>(pt + <usize>s * F32, <f32>(e / sum));
        }
        for (let s = t + 1; s < seqLen; s++) store<f32>(pt + <usize>s * F32, 0);
        // out = P·V for this head's slice, each column summed over s = 0…t in f64.
        const ot = ob + <usize>tq * ld + ho;
        for (let j = 0; j < headDim; j++) {
          const o = <usize>j * F32;
          let acc: f64 = 0;
          for (let s = 0; s <= t; s++) acc += <f64>load<f32>(pt + <usize>s * F32) * <f64>load<f32>(vb + <usize>s * ld + ho + o);
          store<f32>(ot + o, <f32>acc);
        }
      }
    }
  }
}

/**
 * Gradients of f32_attention_forward_scalar for batch rows b in [r0, r1), written (not accumulated):
 * dq [batch, Tq, C], dk and dv [batch, T, C], from dout [batch, Tq, C] and the forward's probs.
 * With p_ts = probs[b, h, tq, s] (t = T − Tq + tq, s ≤ t) and d = √headDim, per head:
 *   dv_s   = Σ_{t ≥ s} p_ts·dout_t
 *   dp_ts  = dout_t·v_s,  D_t = Σ_{s ≤ t} p_ts·dp_ts
 *   g_ts   = p_ts·(dp_ts − D_t) / d          (the score gradient, scaled)
 *   dq_t   = Σ_{s ≤ t} g_ts·k_s,  dk_s = Σ_{t ≥ s} g_ts·q_t
 * Order and precision:
 * - dv: each element summed in f64 over the queries tq in increasing order, rounded once.
 * - dp_ts (over j in order), D_t (over s = 0…t in order) and g_ts: f64. g_ts is recomputed from
 *   dp_ts where needed (no scratch memory), by the same operations, so with the same bits.
 * - dq and dk accumulate in their own f32 memory, zeroed first: for tq = 0…Tq−1, s = 0…t, each
 *   element takes acc ← f32(acc + g_ts·x) with the product and sum in f64 (one rounding per term).
 *   So dq_t sums its terms in order s = 0…t and dk_s in order of increasing t. (An f64 accumulator
 *   per column would need scratch memory or headDim-fold recomputation of dp_ts.)
 * Requires 1 ≤ queryLen ≤ seqLen and probs as written by the forward (+0 where masked).
 */
export function f32_attention_backward_scalar(dq: usize, dk: usize, dv: usize, dout: usize, probs: usize, q: usize, k: usize, v: usize, batch: i32, seqLen: i32, queryLen: i32, heads: i32, headDim: i32, r0: i32, r1: i32): void {
  const ld = <usize>heads * <usize>headDim * F32;
  const hd = <usize>headDim * F32;
  const d = sqrt<f64>(<f64>headDim);
  const first = seqLen - queryLen;
  for (let b = r0; b < r1; b++) {
    const qOff = <usize>b * <usize>queryLen * ld, kOff = <usize>b * <usize>seqLen * ld;
    const qb = q + qOff, dqb = dq + qOff, gb = dout + qOff;
    const kb = k + kOff, vb = v + kOff, dkb = dk + kOff, dvb = dv + kOff;
    for (let h = 0; h < heads; h++) {
      const ho = <usize>h * hd;
      const ph = probs + (<usize>b * <usize>heads + <usize>h) * <usize>queryLen * <usize>seqLen * F32;
      // dv_s: queries tq with t ≥ s, i.e. tq ≥ s − first.
      for (let s = 0; s < seqLen; s++) {
        const tq0 = max(0, s - first);
        const dvs = dvb + <usize>s * ld + ho;
        for (let j = 0; j < headDim; j++) {
          const o = <usize>j * F32;
          let acc: f64 = 0;
          for (let tq = tq0; tq < queryLen; tq++) {
            const p = <f64>load<f32>(ph + (<usize>tq * <usize>seqLen + <usize>s) * F32);
            acc += p * <f64>load<f32>(gb + <usize>tq * ld + ho + o);
          }
          store<f32>(dvs + o, <f32>acc);
        }
      }
      // Zero this head's slices of dq and dk, then accumulate.
      for (let tq = 0; tq < queryLen; tq++) memory.fill(dqb + <usize>tq * ld + ho, 0, hd);
      for (let s = 0; s < seqLen; s++) memory.fill(dkb + <usize>s * ld + ho, 0, hd);
      for (let tq = 0; tq < queryLen; tq++) {
        const t = first + tq;
        const pt = ph + <usize>tq * <usize>seqLen * F32;
        const gt = gb + <usize>tq * ld + ho, qt = qb + <usize>tq * ld + ho, dqt = dqb + <usize>tq * ld + ho;
        let D: f64 = 0;
        for (let s = 0; s <= t; s++) D += <f64>load<f32>(pt + <usize>s * F32) * dot(gt, vb + <usize>s * ld + ho, headDim);
        for (let s = 0; s <= t; s++) {
          const p = <f64>load<f32>(pt + <usize>s * F32);
          const g = (p * (dot(gt, vb + <usize>s * ld + ho, headDim) - D)) / d;
          const ks = kb + <usize>s * ld + ho, dks = dkb + <usize>s * ld + ho;
          for (let j = 0; j < headDim; j++) {
            const o = <usize>j * F32;
            store<f32>(dqt + o, <f32>(<f64>load<f32>(dqt + o) + g * <f64>load<f32>(ks + o)));
            store<f32>(dks + o, <f32>(<f64>load<f32>(dks + o) + g * <f64>load<f32>(qt + o)));
          }
        }
      }
    }
  }
}
