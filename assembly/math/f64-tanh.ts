// Hyperbolic tangent in f64 from our own expm1 (bitwise the same on every engine; see f64-exp.ts).
//
// Method (as fdlibm's s_tanh.c), with a = |x| and tanh odd:
//   a < 1:   tanh(a) = −u/(u + 2),        u = expm1(−2a) in (−0.87, 0]
//   a ≥ 1:   tanh(a) = 1 − 2/(expm1(2a) + 2)
//   a ≥ 22:  tanh(a) = 1 (1 − tanh(a) = 2/(e^{2a} + 1) < 2⁻⁶³, under half an ulp of 1).
// Both forms are free of cancellation: near 0, expm1 keeps all of u's digits and u + 2 ≈ 2, so
// tanh(a) ≈ a to a few ulp (and tanh(a) = a exactly for tiny a); for a ≥ 1 the subtracted term is
// at most 0.24. Special values: NaN → NaN, ±0 → ±0, ±∞ → ±1.
import { f64_expm1 } from "./f64-exp";

/** tanh(x). */
export function f64_tanh(x: f64): f64 {
  if (x != x) return x;
  const a = abs(x);
  let t: f64;
  if (a >= 22) {
    t = 1;
  } else if (a >= 1) {
    t = 1 - 2 / (f64_expm1(a + a) + 2);
  } else {
    if (a == 0) return x; // keeps the sign of −0
    const u = f64_expm1(-(a + a));
    t = -u / (u + 2);
  }
  return x < 0 ? -t : t;
}
