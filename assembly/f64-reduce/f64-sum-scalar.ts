// Plain in-order sum of an f64 array (the per-row losses the loss kernels write), so the mean loss
// is the same bits everywhere: sum = 0, then sum += x[e] for e = 0..n−1. Not split.

import { F64 } from "../sizes";
/** Σ_{e<n} x[e] over f64 x, added in order from 0. */
export function f64_sum_scalar(x: usize, n: i32): f64 {
  let sum: f64 = 0;
  for (let e = 0; e < n; e++) sum += load<f64>(x + <usize>e * F64);
  return sum;
}
