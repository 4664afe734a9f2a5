// tanh activation, elementwise over [i0, i1), computed in f64 with our own f64_tanh and rounded to
// f32 once, so the result is within about half an f32 ulp of the true value and the same bits on
// every engine (scalar: f64_tanh has branches per element, which f32x4 lanes would not share).
import { F32 } from "../sizes";
import { f64_tanh } from "../math/f64-tanh";

/** y[i] = tanh(x[i]) for i in [i0, i1). y may alias x. */
export function f32_tanh_forward_scalar(y: usize, x: usize, i0: i32, i1: i32): void {
  for (let i = i0; i < i1; i++) {
    const o = <usize>i * F32;
    store<f32>(y + o, <f32>f64_tanh(<f64>load<f32>(x + o)));
  }
}

/**
 * dx[i] = dy[i]·(1 − y[i]²) for i in [i0, i1), written (not accumulated); y is the forward output.
 * Computed in f64 (y² is exact there) and rounded once. dx may alias dy.
 */
export function f32_tanh_backward_scalar(dx: usize, dy: usize, y: usize, i0: i32, i1: i32): void {
  for (let i = i0; i < i1; i++) {
    const o = <usize>i * F32;
    const yi = <f64>load<f32>(y + o);
    store<f32>(dx + o, <f32>(<f64>load<f32>(dy + o) * (1 - yi * yi)));
  }
}
