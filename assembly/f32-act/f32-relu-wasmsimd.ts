// ReLU, elementwise over [i0, i1). No arithmetic at all: both directions select between a value and
// +0 with a comparison mask, so the result is exact and (having no rounding and no NaN creation)
// the same bits everywhere. The scalar tail makes the same comparison and selection.
//
// Forward keeps x when !(x ≤ 0): positive values and NaN pass through bit for bit (a NaN is not
// silently turned into 0, as in PyTorch), x ≤ 0 (including −0) gives +0.
// Backward passes dy where x > 0 and writes +0 elsewhere (also for x = NaN), x the pre-activation.

import { F32 } from "../sizes";
/** y[i] = x[i] ≤ 0 ? +0 : x[i] for i in [i0, i1). y may alias x. */
export function f32_relu_forward_wasmsimd(y: usize, x: usize, i0: i32, i1: i32): void {
  const zero = f32x4.splat(0);
  let i = i0;
  for (; i + 4 <= i1; i += 4) {
    const o = <usize>i * F32;
    const v = v128.load(x + o);
    // andnot(v, mask) = v & ~mask: clears the lanes where v ≤ 0.
    v128.store(y + o, v128.andnot(v, f32x4.le(v, zero)));
  }
  for (; i < i1; i++) {
    const o = <usize>i * F32;
    const v = load<f32>(x + o);
    store<f32>(y + o, v <= 0 ? <f32>0 : v);
  }
}

/** dx[i] = x[i] > 0 ? dy[i] : +0 for i in [i0, i1), written (not accumulated); x is the pre-activation. dx may alias dy. */
export function f32_relu_backward_wasmsimd(dx: usize, dy: usize, x: usize, i0: i32, i1: i32): void {
  const zero = f32x4.splat(0);
  let i = i0;
  for (; i + 4 <= i1; i += 4) {
    const o = <usize>i * F32;
    v128.store(dx + o, v128.and(v128.load(dy + o), f32x4.gt(v128.load(x + o), zero)));
  }
  for (; i < i1; i++) {
    const o = <usize>i * F32;
    store<f32>(dx + o, load<f32>(x + o) > 0 ? load<f32>(dy + o) : <f32>0);
  }
}
