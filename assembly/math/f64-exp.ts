// e^x and e^x − 1 in f64, built only from + − × ÷, `nearest` and bit operations, so every engine and
// every optimisation level returns the same bits (the host's Math.exp is allowed to differ by an ulp
// between engines, and AssemblyScript's own Math.exp is not ours to pin down).
//
// Method (Cody & Waite 1980 argument reduction, as in fdlibm's e_exp.c / s_expm1.c):
//   x = k·ln2 + r, k = nearest(x / ln2), |r| ≤ ln2/2 (+ a rounding hair).
//   ln2 is split into LN2_HI (its top 32 significant bits, so k·LN2_HI is exact for |k| < 2²¹)
//   and LN2_LO = ln2 − LN2_HI, so r = (x − k·LN2_HI) − k·LN2_LO loses nothing to cancellation:
//   x − k·LN2_HI is exact (Sterbenz: the two are within a factor 2 whenever k ≠ 0).
//   e^r − 1 is its Taylor series to r¹⁴/14! in Horner form (the first omitted term, r¹⁵/15!, is
//   below 1e-19 for |r| ≤ 0.35, well under half an ulp). fdlibm uses a rational minimax form to
//   save multiplies; the plain series is simpler to check and only a few multiplies longer.
//   2^k is built directly from exponent bits.
//
// Accuracy: within a few ulp (the tests bound the relative error against Math.* by 1e-15).
// Subnormal results of f64_exp are produced by one extra scaling step (gradual underflow, at most
// one ulp of the subnormal grid off); below −745.1332… the result is 0.

// @ts-ignore: decorator
@inline export const LN2_HI: f64 = 6.93147180369123816490e-01; // 0x3FE62E42FEE00000: ln2 with the low 21 bits cleared
// @ts-ignore: decorator
@inline export const LN2_LO: f64 = 1.90821492927058770002e-10; // 0x3DEA39EF35793C76: ln2 − LN2_HI
// @ts-ignore: decorator
@inline export const INV_LN2: f64 = 1.4426950408889634; // 1/ln2 rounded; only picks k, so its rounding costs nothing
/** Largest x with a finite e^x (0x40862E42FEFA39EF). */
// @ts-ignore: decorator
@inline const EXP_OVERFLOW: f64 = 709.782712893383973096;
/** Below this e^x rounds to 0 (0xC0874910D52D3051). */
// @ts-ignore: decorator
@inline const EXP_UNDERFLOW: f64 = -745.13321910194110842;

// 1/n! rounded to f64 (n! is exact in f64 for n ≤ 18, so each is the correctly rounded quotient).
// @ts-ignore: decorator
@inline export const C2: f64 = 0.5;
// @ts-ignore: decorator
@inline export const C3: f64 = 0.16666666666666666;
// @ts-ignore: decorator
@inline export const C4: f64 = 0.041666666666666664;
// @ts-ignore: decorator
@inline export const C5: f64 = 0.008333333333333333;
// @ts-ignore: decorator
@inline export const C6: f64 = 0.001388888888888889;
// @ts-ignore: decorator
@inline export const C7: f64 = 0.0001984126984126984;
// @ts-ignore: decorator
@inline export const C8: f64 = 0.0000248015873015873;
// @ts-ignore: decorator
@inline export const C9: f64 = 0.0000027557319223985893;
// @ts-ignore: decorator
@inline export const C10: f64 = 2.755731922398589e-7;
// @ts-ignore: decorator
@inline export const C11: f64 = 2.505210838544172e-8;
// @ts-ignore: decorator
@inline export const C12: f64 = 2.08767569878681e-9;
// @ts-ignore: decorator
@inline export const C13: f64 = 1.6059043836821613e-10;
// @ts-ignore: decorator
@inline export const C14: f64 = 1.1470745597729725e-11;

/** 2^k for a normal exponent, k in [−1022, 1023], from its bits. */
// @ts-ignore: decorator
@inline
function pow2(k: i32): f64 {
  return reinterpret<f64>(<u64>(k + 1023) << 52);
}

/**
 * v·2^k for v in about [0.7, 1.5] and k in [−1075, 1024], rounding once.
 * k = 1024 (x just below the overflow threshold) goes through 2^1023·2; results below the normal
 * range are scaled into it first (exactly) and then down by 2⁻⁶⁴, so only the last step rounds.
 */
// @ts-ignore: decorator
@inline
function scale(v: f64, k: i32): f64 {
  if (k > 1023) return v * pow2(1023) * pow2(k - 1023);
  if (k < -1022) return (v * pow2(k + 64)) * pow2(-64);
  return v * pow2(k);
}

/**
 * e^r − 1 for |r| ≤ ~0.35: r + r²·(1/2! + r/3! + … + r¹²/14!).
 * The polynomial is evaluated by Estrin's scheme (pairs, then powers r², r⁴, r⁸) rather than Horner's:
 * the same terms, but a dependency chain of ~5 multiply-adds instead of 13, so the softmax loops that
 * call exp per logit are bound by throughput, not latency.
 */
// @ts-ignore: decorator
@inline
function expm1Reduced(r: f64): f64 {
  const r2 = r * r, r4 = r2 * r2, r8 = r4 * r4;
  const q0 = (C2 + r * C3) + r2 * (C4 + r * C5);
  const q4 = (C6 + r * C7) + r2 * (C8 + r * C9);
  const q8 = (C10 + r * C11) + r2 * (C12 + r * C13);
  const q = (q0 + r4 * q4) + r8 * (q8 + r4 * C14);
  return r + r2 * q;
}

/** k = nearest(x/ln2) and the reduced argument r = x − k·ln2; x must be finite and |x| < ~750. */
// @ts-ignore: decorator
@inline
function reduce(x: f64, k: f64): f64 {
  return (x - k * LN2_HI) - k * LN2_LO;
}

/** e^x. NaN → NaN, +∞ → +∞, −∞ → 0, overflow → +∞, underflow → 0 (gradual through the subnormals). */
export function f64_exp(x: f64): f64 {
  if (x != x) return x;
  if (x > EXP_OVERFLOW) return Infinity;
  if (x < EXP_UNDERFLOW) return 0;
  // Below 2⁻⁵⁴ e^x rounds to 1 (or its neighbour below for tiny negative x); 1 + x does exactly that.
  if (abs(x) < 5.551115123125783e-17) return 1 + x;
  const k = nearest(x * INV_LN2);
  const r = reduce(x, k);
  return scale(1 + expm1Reduced(r), <i32>k);
}

/**
 * e^x − 1, accurate near 0 (no cancellation). NaN → NaN, ±0 → ±0, +∞ → +∞, −∞ → −1,
 * overflow → +∞, x < −38 → −1 (the true value rounds to −1 there).
 */
export function f64_expm1(x: f64): f64 {
  if (x != x) return x;
  if (x > EXP_OVERFLOW) return Infinity;
  if (x < -38) return -1;
  // Below 2⁻⁵⁴ in magnitude e^x − 1 rounds to x itself; this also keeps the sign of −0.
  if (abs(x) < 5.551115123125783e-17) return x;
  const k = nearest(x * INV_LN2);
  const r = reduce(x, k);
  const y = expm1Reduced(r);
  const ki = <i32>k;
  if (ki == 0) return y;
  // e^x − 1 = 2^k·(1 + y) − 1 = (2^k − 1) + 2^k·y. For −53 ≤ k ≤ 52 both 2^k − 1 and 2^k·y are
  // exact, so the sum rounds once; at worst (k = 1) the two parts cancel by a factor of 2.
  if (ki >= -53 && ki <= 52) {
    const p = pow2(ki);
    return (p - 1) + p * y;
  }
  // Far from 0 the −1 only touches the last bits (k > 52) or swallows e^x (k < −53).
  return scale(1 + y, ki) - 1;
}
