// GELU, the tanh approximation (Hendrycks & Gimpel 2016, as in GPT-2):
//   gelu(x) = ½·x·(1 + tanh(u)),  u = √(2/π)·(x + 0.044715·x³)
// elementwise over [i0, i1), in f64, rounded to f32 once.
//
// We evaluate the same function through ½·(1 + tanh(u)) = σ(2u) = 1/(1 + e^{−2u}), with σ's two
// halves taken from a = e^{−2|u|} ≤ 1: p = 1/(1 + a), q = a·p (= 1 − p), so σ(2u) = p for u ≥ 0 and
// q for u < 0. Written as 1 + tanh(u) it would cancel for negative x (gelu(−5) ≈ −1.5e-6 would keep
// only 10 of its digits, gelu(−10) would be 0 instead of ≈ −1e-37); this way both tails keep full
// relative accuracy and e^{−2|u|} never overflows.
// For f32 inputs x³ cannot overflow f64, so every intermediate stays finite.
import { F32 } from "../sizes";
import { f64_exp } from "../math/f64-exp";

// @ts-ignore: decorator
@inline const SQRT_2_OVER_PI: f64 = 0.7978845608028654; // √(2/π) rounded to f64
// @ts-ignore: decorator
@inline const GELU_C: f64 = 0.044715;

/** y[i] = gelu(x[i]) for i in [i0, i1). y may alias x. */
export function f32_gelu_forward_scalar(y: usize, x: usize, i0: i32, i1: i32): void {
  for (let i = i0; i < i1; i++) {
    const o = <usize>i * F32;
    const xi = <f64>load<f32>(x + o);
    const u = SQRT_2_OVER_PI * (xi + GELU_C * xi * xi * xi);
    const a = f64_exp(-2 * abs(u));
    const p = 1 / (1 + a);
    const sigma = u >= 0 ? p : a * p;
    store<f32>(y + o, <f32>(xi * sigma));
  }
}

/**
 * dx[i] = dy[i]·gelu′(x[i]) for i in [i0, i1), written (not accumulated), with the analytic
 *   gelu′(x) = σ(2u) + x·σ(2u)·(1 − σ(2u))·2u′,  u′ = √(2/π)·(1 + 3·0.044715·x²)
 * (the same as ½(1 + tanh u) + ½x(1 − tanh²u)·u′), in f64, rounded once. dx may alias dy.
 */
export function f32_gelu_backward_scalar(dx: usize, dy: usize, x: usize, i0: i32, i1: i32): void {
  for (let i = i0; i < i1; i++) {
    const o = <usize>i * F32;
    const xi = <f64>load<f32>(x + o);
    const x2 = xi * xi;
    const u = SQRT_2_OVER_PI * (xi + GELU_C * x2 * xi);
    const du = SQRT_2_OVER_PI * (1 + 3 * GELU_C * x2);
    const a = f64_exp(-2 * abs(u));
    const p = 1 / (1 + a);
    const q = a * p;
    const sigma = u >= 0 ? p : q;
    const grad = sigma + xi * (p * q) * (2 * du);
    store<f32>(dx + o, <f32>(<f64>load<f32>(dy + o) * grad));
  }
}
