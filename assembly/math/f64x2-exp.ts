// e^d for two f64 lanes at once, d ≤ 0: the softmax's exponentials (d = logit − row max), which are
// most of the loss kernel's time. The same reduction and Estrin polynomial as f64_exp, operation for
// operation, so a lane gives exactly f64_exp's bits for d in [−708, 0]: the softmax tail can call
// f64_exp on leftover columns and agree with the vector body.
//
// Below −708 the argument is clamped to −708: e^−708 ≈ 3e−308 instead of a smaller number or 0,
// which changes neither a sum that contains e^0 = 1 nor a gradient rounded to f32. This keeps 2^k in
// the normal range (no subnormal scaling) and the body branch-free.
import { C10, C11, C12, C13, C14, C2, C3, C4, C5, C6, C7, C8, C9, INV_LN2, LN2_HI, LN2_LO } from "./f64-exp";

/** Lower clamp of the argument (see above). */
// @ts-ignore: decorator
@inline export const EXP_NONPOSITIVE_FLOOR: f64 = -708;

// @ts-ignore: decorator
@inline
function poly(a: f64, b: f64, r: v128): v128 {
  return f64x2.add(f64x2.splat(a), f64x2.mul(r, f64x2.splat(b)));
}

/** e^d per lane, for d ≤ 0 (clamped below at −708). */
// @ts-ignore: decorator
@inline
export function f64x2_exp_nonpositive(d: v128): v128 {
  const x = f64x2.max(d, f64x2.splat(EXP_NONPOSITIVE_FLOOR));
  const k = f64x2.nearest(f64x2.mul(x, f64x2.splat(INV_LN2)));
  const r = f64x2.sub(f64x2.sub(x, f64x2.mul(k, f64x2.splat(LN2_HI))), f64x2.mul(k, f64x2.splat(LN2_LO)));
  const r2 = f64x2.mul(r, r), r4 = f64x2.mul(r2, r2), r8 = f64x2.mul(r4, r4);
  const q0 = f64x2.add(poly(C2, C3, r), f64x2.mul(r2, poly(C4, C5, r)));
  const q4 = f64x2.add(poly(C6, C7, r), f64x2.mul(r2, poly(C8, C9, r)));
  const q8 = f64x2.add(poly(C10, C11, r), f64x2.mul(r2, poly(C12, C13, r)));
  const q = f64x2.add(f64x2.add(q0, f64x2.mul(r4, q4)), f64x2.mul(r8, f64x2.add(q8, f64x2.mul(r4, f64x2.splat(C14)))));
  const em1 = f64x2.add(r, f64x2.mul(r2, q));
  // 2^k from its exponent bits: k in [−1021, 0] is exact in i32, widened to i64 and shifted into place.
  const ki = i64x2.extend_low_i32x4_s(i32x4.trunc_sat_f64x2_s_zero(k));
  const pow2 = i64x2.shl(i64x2.add(ki, i64x2.splat(1023)), 52);
  return f64x2.mul(f64x2.add(f64x2.splat(1), em1), pow2);
}
