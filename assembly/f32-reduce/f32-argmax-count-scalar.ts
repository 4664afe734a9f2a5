// Accuracy count: how many rows of logits[rows×cols] have their argmax equal to the target class.
// Comparisons only, so exact. Ties go to the first maximum (strict >), the same rule as
// f32_softmax_xent_wasmsimd and torch.argmax; a NaN never wins a comparison. Rows are independent:
// threads may split [r0, r1) anywhere and add their counts.

// @ts-ignore: decorator
import { F32 } from "../sizes";
@inline const I32 = 4;

/** Index of the first maximum of row[0..cols) (shared by the losses, which count accuracy as they go). */
// @ts-ignore: decorator
@inline
export function rowArgmax(row: usize, cols: i32): i32 {
  let best = load<f32>(row);
  let arg = 0;
  for (let j = 1; j < cols; j++) {
    const v = load<f32>(row + <usize>j * F32);
    if (v > best) {
      best = v;
      arg = j;
    }
  }
  return arg;
}

/** Number of rows i in [r0, r1) whose argmax over logits[i, :] (first maximum wins) equals targets[i] (i32). */
export function f32_argmax_count_scalar(logits: usize, targets: usize, rows: i32, cols: i32, r0: i32, r1: i32): i32 {
  const ld = <usize>cols * F32;
  let correct = 0;
  for (let i = r0; i < r1; i++) {
    if (rowArgmax(logits + <usize>i * ld, cols) == load<i32>(targets + <usize>i * I32)) correct++;
  }
  return correct;
}
