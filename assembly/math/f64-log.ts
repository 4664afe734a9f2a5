// Natural logarithm in f64, built only from + − × ÷ and bit operations (bitwise the same on every
// engine; see f64-exp.ts for why we don't use Math.log).
//
// Method (the classic one of fdlibm's e_log.c, Cody & Waite style):
//   x = 2^e·m with m in [√½, √2), so f = m − 1 is in about [−0.29, 0.41] and exact (Sterbenz);
//   log(x) = e·ln2 + log(1 + f), and with s = f/(2 + f), 1 + f = (1 + s)/(1 − s), so
//   log(1 + f) = 2·atanh(s) = 2s + 2s³/3 + 2s⁵/5 + … = 2s + s·R,  R = 2s²/3 + 2s⁴/5 + …
//   |s| ≤ 0.1716 (s² ≤ 0.0295): the Taylor series of R to s²⁰·2/21 leaves a relative error
//   below 1e-18. Using 2s = f − s·f and s·f = hfsq·(1 − s) with hfsq = f²/2:
//   log(1 + f) = f − hfsq + s·(hfsq + R),
//   where the big correction hfsq has no division error in it; the division's rounding only
//   touches s·(hfsq + R), which is about f³/4. ln2 is split into LN2_HI (exact times any exponent)
//   and LN2_LO, the low part added with the small terms before the big ones.
//
// Special values: NaN → NaN, x < 0 → NaN, ±0 → −∞, +∞ → +∞. Subnormal x is scaled by 2⁵⁴ first.

// @ts-ignore: decorator
@inline const LN2_HI: f64 = 6.93147180369123816490e-01; // 0x3FE62E42FEE00000: ln2 with the low 21 bits cleared
// @ts-ignore: decorator
@inline const LN2_LO: f64 = 1.90821492927058770002e-10; // 0x3DEA39EF35793C76: ln2 − LN2_HI
// @ts-ignore: decorator
@inline const SQRT2: f64 = 1.4142135623730951;
// @ts-ignore: decorator
@inline const TWO54: f64 = 18014398509481984.0;

// 2/(2n+1), n = 1..10.
// @ts-ignore: decorator
@inline const L1: f64 = 0.6666666666666666;
// @ts-ignore: decorator
@inline const L2: f64 = 0.4;
// @ts-ignore: decorator
@inline const L3: f64 = 0.2857142857142857;
// @ts-ignore: decorator
@inline const L4: f64 = 0.2222222222222222;
// @ts-ignore: decorator
@inline const L5: f64 = 0.18181818181818182;
// @ts-ignore: decorator
@inline const L6: f64 = 0.15384615384615385;
// @ts-ignore: decorator
@inline const L7: f64 = 0.13333333333333333;
// @ts-ignore: decorator
@inline const L8: f64 = 0.11764705882352941;
// @ts-ignore: decorator
@inline const L9: f64 = 0.10526315789473684;
// @ts-ignore: decorator
@inline const L10: f64 = 0.09523809523809523;

/** log(x), the natural logarithm. */
export function f64_log(x: f64): f64 {
  if (x != x) return x;
  if (x <= 0) return x == 0 ? -Infinity : NaN;
  if (x == Infinity) return x;
  let e: i32 = 0;
  let bits = reinterpret<u64>(x);
  if (bits < 0x0010000000000000) {
    // Subnormal: bring it into the normal range (exactly) and remember the shift.
    bits = reinterpret<u64>(x * TWO54);
    e = -54;
  }
  e += <i32>(bits >> 52) - 1023;
  let m = reinterpret<f64>((bits & 0x000FFFFFFFFFFFFF) | 0x3FF0000000000000); // in [1, 2)
  if (m >= SQRT2) {
    m *= 0.5; // exact
    e += 1;
  }
  const f = m - 1;
  const s = f / (2 + f);
  const z = s * s;
  const R = z * (L1 + z * (L2 + z * (L3 + z * (L4 + z * (L5 + z * (L6 + z * (L7 + z * (L8 + z * (L9 + z * L10)))))))));
  const hfsq = 0.5 * f * f;
  const ef = <f64>e;
  return ef * LN2_HI - ((hfsq - (s * (hfsq + R) + ef * LN2_LO)) - f);
}
