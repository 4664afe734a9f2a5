// Fused softmax cross-entropy, forward and backward in one pass over each row, for rows [r0, r1).
//
// Computed in f64 (logits widen exactly): late in a grokking run the loss of a well-classified row
// reaches 1e-7…1e-9, where f32's log-softmax gives exactly 0 (1 + 1e-8 rounds to 1 in f32) and its
// gradient is pure rounding noise; the reference implementations compute this loss in float64.
//
// Per row, with m = max_j x_j and d_j = x_j − m (so e^{d_j} ≤ 1 never overflows):
//   S = Σ_j e^{d_j} (in order j = 0…cols−1),  log S = lse − m
//   loss = lse − x_t = log S − d_t
//   ∂loss/∂x_j = softmax_j − [j = t] = e^{d_j − log S} − [j = t]
// This is lse = m + log S; rowLoss = lse − x_t of the usual statement, rearranged so lse itself is
// never rounded at the magnitude of m (which would cost a 1e-15·|m| absolute error, a relative 1e-6
// on a 1e-9 loss). At j = t the gradient is expm1(−loss): p_t − 1 ≈ −loss without cancellation.
// Each gradient is multiplied by `scale` in f64 and rounded to f32 once.
//
// Each row is computed by the same sequence of operations whatever [r0, r1) is, and rows are
// independent, so threads may split rows anywhere. targets[i] must be in [0, cols).
import { f64_exp, f64_expm1 } from "../math/f64-exp";
import { f64_log } from "../math/f64-log";
import { rowArgmax } from "../f32-reduce/f32-argmax-count-scalar";

// @ts-ignore: decorator
@inline const F32 = 4;
// @ts-ignore: decorator
@inline const F64 = 8;
// @ts-ignore: decorator
@inline const I32 = 4;

/**
 * For rows i in [r0, r1) of logits[rows×cols] with class targets[i]:
 * rowLoss[i] (f64) = −log softmax(logits_i)[targets[i]]; if dlogits != 0 also
 * dlogits[i, j] = (softmax(logits_i)_j − [j = targets[i]])·scale (written; dlogits == 0 means
 * evaluation only). Returns how many of these rows have argmax (first maximum on ties) == target.
 */
export function f32_softmax_xent_scalar(dlogits: usize, rowLoss: usize, logits: usize, targets: usize, rows: i32, cols: i32, scale: f64, r0: i32, r1: i32): i32 {
  let correct = 0;
  const ld = <usize>cols * F32;
  for (let i = r0; i < r1; i++) {
    const row = logits + <usize>i * ld;
    const t = load<i32>(targets + <usize>i * I32);
    if (rowArgmax(row, cols) == t) correct++;
    let m = <f64>load<f32>(row);
    for (let j = 1; j < cols; j++) m = max(m, <f64>load<f32>(row + <usize>j * F32));
    let sum: f64 = 0;
    for (let j = 0; j < cols; j++) sum += f64_exp(<f64>load<f32>(row + <usize>j * F32) - m);
    const logSum = f64_log(sum);
    const dt = <f64>load<f32>(row + <usize>t * F32) - m;
    const loss = logSum - dt;
    store<f64>(rowLoss + <usize>i * F64, loss);
    if (dlogits != 0) {
      const out = dlogits + <usize>i * ld;
      for (let j = 0; j < cols; j++) {
        const dj = <f64>load<f32>(row + <usize>j * F32) - m;
        const g = j == t ? f64_expm1(-loss) : f64_exp(dj - logSum);
        store<f32>(out + <usize>j * F32, <f32>(g * scale));
      }
    }
  }
  return correct;
}
