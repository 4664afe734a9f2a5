// Fused softmax cross-entropy, forward and backward in one pass over each row, for rows [r0, r1).
//
// Computed in f64 (logits widen exactly): late in a grokking run the loss of a well-classified row
// reaches 1e-7…1e-9, where f32's log-softmax gives exactly 0 (1 + 1e-8 rounds to 1 in f32) and its
// gradient is pure rounding noise; the reference implementations compute this loss in float64.
//
// Per row, with m = max_j x_j = x at the argmax and d_j = x_j − m (so e^{d_j} ≤ 1 never overflows):
//   S = Σ_j e^{d_j} (even and odd j summed in two f64x2 lanes, see below),  log S = lse − m
//   loss = lse − x_t = log S − d_t
//   ∂loss/∂x_j = softmax_j − [j = t] = e^{d_j}/S − [j = t]
// This is lse = m + log S; rowLoss = lse − x_t of the usual statement, rearranged so lse itself is
// never rounded at the magnitude of m (which would cost a 1e-15·|m| absolute error, a relative 1e-6
// on a 1e-9 loss). At j = t the gradient is expm1(−loss): p_t − 1 ≈ −loss without cancellation.
//
// The exponentials are the kernel's cost, so each is computed once: while summing S, e^{d_j} is
// parked in the gradient row as f32, and once S is known each becomes e^{d_j}·(scale/S) in f64,
// rounded to f32 again. The two roundings leave a gradient within one f32 ulp (the losses keep f64).
//
// Each row is computed by the same sequence of operations whatever [r0, r1) is, and rows are
// independent, so threads may split rows anywhere. targets[i] must be in [0, cols).
import { F32, F64 } from "../sizes";
import { f64_exp, f64_expm1 } from "../math/f64-exp";
import { f64_log } from "../math/f64-log";
import { rowArgmax } from "../f32-reduce/f32-argmax-count-scalar";
import { EXP_NONPOSITIVE_FLOOR, f64x2_exp_nonpositive } from "../math/f64x2-exp";

/** Logits j and j+1 of a row, widened to f64 (exactly). */
// @ts-ignore: decorator
@inline
function pair(row: usize, j: i32): v128 {
  return f64x2.promote_low_f32x4(v128.load64_zero(row + <usize>j * F32));
}

// @ts-ignore: decorator
@inline const I32 = 4;

/**
 * For rows i in [r0, r1) of logits[rows×cols] with class targets[i]:
 * rowLoss[i] (f64) = −log softmax(logits_i)[targets[i]]; if dlogits != 0 also
 * dlogits[i, j] = (softmax(logits_i)_j − [j = targets[i]])·scale (written; dlogits == 0 means
 * evaluation only). Returns how many of these rows have argmax (first maximum on ties) == target.
 */
export function f32_softmax_xent_wasmsimd(dlogits: usize, rowLoss: usize, logits: usize, targets: usize, rows: i32, cols: i32, scale: f64, r0: i32, r1: i32): i32 {
  let correct = 0;
  const ld = <usize>cols * F32;
  const c2 = cols & ~1;
  for (let i = r0; i < r1; i++) {
    const row = logits + <usize>i * ld;
    const t = load<i32>(targets + <usize>i * I32);
    const top = rowArgmax(row, cols);
    if (top == t) correct++;
    // A NaN never wins the argmax, but its d_j is NaN and so are S and the whole row.
    const m = <f64>load<f32>(row + <usize>top * F32);
    const out = dlogits + <usize>i * ld;
    // Σ e^{d_j}: even and odd columns in the two f64x2 lanes, then lane 0 + lane 1, then the last
    // column of an odd row (f64_exp gives the lanes' bits there).
    const mv = f64x2.splat(m);
    let sums = f64x2.splat(0);
    for (let j = 0; j < c2; j += 2) {
      const e = f64x2_exp_nonpositive(f64x2.sub(pair(row, j), mv));
      sums = f64x2.add(sums, e);
      if (dlogits != 0) v128.store64_lane(out + <usize>j * F32, f32x4.demote_f64x2_zero(e), 0);
    }
    let sum = f64x2.extract_lane(sums, 0) + f64x2.extract_lane(sums, 1);
    if (c2 < cols) {
      const e = f64_exp(max(<f64>load<f32>(row + <usize>c2 * F32) - m, EXP_NONPOSITIVE_FLOOR));
      sum += e;
      if (dlogits != 0) store<f32>(out + <usize>c2 * F32, <f32>e);
    }
    const dt = <f64>load<f32>(row + <usize>t * F32) - m;
    const loss = f64_log(sum) - dt;
    store<f64>(rowLoss + <usize>i * F64, loss);
    if (dlogits != 0) {
      const f = scale / sum, fv = f64x2.splat(f);
      for (let j = 0; j < c2; j += 2) {
        const p = out + <usize>j * F32;
        v128.store64_lane(p, f32x4.demote_f64x2_zero(f64x2.mul(f64x2.promote_low_f32x4(v128.load64_zero(p)), fv)), 0);
      }
      if (c2 < cols) store<f32>(out + <usize>c2 * F32, <f32>(<f64>load<f32>(out + <usize>c2 * F32) * f));
      // The target's p_t − 1 = expm1(−loss), without cancellation.
      store<f32>(out + <usize>t * F32, <f32>(f64_expm1(-loss) * scale));
    }
  }
  return correct;
}
