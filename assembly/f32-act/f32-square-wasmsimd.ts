// Square activation y = x², elementwise over [i0, i1) (Omnigrok's and many grokking papers' MLPs).
// Backward is dx = (x + x)·dy: x + x is exact (a doubling) unless it overflows, so this is one
// rounding, the same as 2·x·dy would give; SIMD body and scalar tail do the same two operations.

import { F32 } from "../sizes";
/** y[i] = x[i]·x[i] for i in [i0, i1). y may alias x. */
export function f32_square_forward_wasmsimd(y: usize, x: usize, i0: i32, i1: i32): void {
  let i = i0;
  for (; i + 4 <= i1; i += 4) {
    const o = <usize>i * F32;
    const v = v128.load(x + o);
    v128.store(y + o, f32x4.mul(v, v));
  }
  for (; i < i1; i++) {
    const o = <usize>i * F32;
    const v = load<f32>(x + o);
    store<f32>(y + o, v * v);
  }
}

/** dx[i] = (x[i] + x[i])·dy[i] for i in [i0, i1), written (not accumulated); x is the input. dx may alias dy. */
export function f32_square_backward_wasmsimd(dx: usize, dy: usize, x: usize, i0: i32, i1: i32): void {
  let i = i0;
  for (; i + 4 <= i1; i += 4) {
    const o = <usize>i * F32;
    const v = v128.load(x + o);
    v128.store(dx + o, f32x4.mul(f32x4.add(v, v), v128.load(dy + o)));
  }
  for (; i < i1; i++) {
    const o = <usize>i * F32;
    const v = load<f32>(x + o);
    store<f32>(dx + o, (v + v) * load<f32>(dy + o));
  }
}
