// Σ x² over an f32 array, accumulated in f64 (for weight norms: Omnigrok's constrained runs rescale
// all parameters to a fixed total norm, and grokking curves plot it).
//
// Each x² is exact in f64 (a 24-bit by 24-bit product fits in 53 bits), so only the adds round.
// The order is fixed by n alone: element e with e < n8 = n & ~7 goes to partial sum s[e mod 8]
// (four f64x2 accumulators, two lanes each), added in order of e; then
// total = ((s0 + s1) + (s2 + s3)) + ((s4 + s5) + (s6 + s7)), then the last n − n8 elements in order.
// No range: a reduction is never split between threads.

import { F32 } from "../sizes";
/** Σ_{e<n} x[e]², in f64 in the fixed order above. */
export function f32_sumsq_wasmsimd(x: usize, n: i32): f64 {
  const n8 = n & ~7;
  let a0 = f64x2.splat(0), a1 = f64x2.splat(0), a2 = f64x2.splat(0), a3 = f64x2.splat(0);
  let p = x;
  for (let e = 0; e < n8; e += 8) {
    // load64_zero brings two f32 into the low lanes; promote_low widens them to f64x2 exactly.
    const v0 = f64x2.promote_low_f32x4(v128.load64_zero(p));
    const v1 = f64x2.promote_low_f32x4(v128.load64_zero(p, 8));
    const v2 = f64x2.promote_low_f32x4(v128.load64_zero(p, 16));
    const v3 = f64x2.promote_low_f32x4(v128.load64_zero(p, 24));
    a0 = f64x2.add(a0, f64x2.mul(v0, v0));
    a1 = f64x2.add(a1, f64x2.mul(v1, v1));
    a2 = f64x2.add(a2, f64x2.mul(v2, v2));
    a3 = f64x2.add(a3, f64x2.mul(v3, v3));
    p += 8 * F32;
  }
  const s01 = f64x2.extract_lane(a0, 0) + f64x2.extract_lane(a0, 1);
  const s23 = f64x2.extract_lane(a1, 0) + f64x2.extract_lane(a1, 1);
  const s45 = f64x2.extract_lane(a2, 0) + f64x2.extract_lane(a2, 1);
  const s67 = f64x2.extract_lane(a3, 0) + f64x2.extract_lane(a3, 1);
  let sum = (s01 + s23) + (s45 + s67);
  for (let e = n8; e < n; e++) {
    const v = <f64>load<f32>(x + <usize>e * F32);
    sum += v * v;
  }
  return sum;
}
