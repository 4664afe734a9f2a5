// Squared error against one-hot targets, forward and backward in one pass, for rows [r0, r1).
// The row sums are accumulated in f64 (each (y − t)² is exact there up to one rounding), in order
// j = 0…cols−1, so every row has one fixed sequence of operations whatever range a call covers.
// The caller chooses the reduction by `scale`: 1/(rows·cols) reproduces PyTorch's mse_loss(mean)
// gradient, with the mean loss = Σ rowLoss / (rows·cols).

import { F32, F64 } from "../sizes";
import { rowArgmax } from "../f32-reduce/f32-argmax-count-scalar";

// @ts-ignore: decorator
@inline const I32 = 4;

/**
 * For rows i in [r0, r1) of y[rows×cols] with t = one-hot(targets[i]):
 * rowLoss[i] (f64) = Σ_j (y_ij − t_ij)²; if dy != 0 also dy[i, j] = 2·(y_ij − t_ij)·scale, in f64
 * and rounded to f32 once (written; dy == 0 means evaluation only). dy may alias y.
 * Returns how many of these rows have argmax (first maximum on ties) == target.
 */
export function f32_mse_onehot_scalar(dy: usize, rowLoss: usize, y: usize, targets: usize, rows: i32, cols: i32, scale: f64, r0: i32, r1: i32): i32 {
  let correct = 0;
  const ld = <usize>cols * F32;
  const twoScale = 2 * scale;
  for (let i = r0; i < r1; i++) {
    const row = y + <usize>i * ld;
    const out = dy + <usize>i * ld;
    const t = load<i32>(targets + <usize>i * I32);
    if (rowArgmax(row, cols) == t) correct++;
    let sum: f64 = 0;
    for (let j = 0; j < cols; j++) {
      const v = <f64>load<f32>(row + <usize>j * F32);
      const e = j == t ? v - 1 : v;
      sum += e * e;
      if (dy != 0) store<f32>(out + <usize>j * F32, <f32>(e * twoScale));
    }
    store<f64>(rowLoss + <usize>i * F64, sum);
  }
  return correct;
}
