// Elementwise sum, for residual connections: y = a + b over elements [i0, i1). y may alias a or b.
// Each element is one IEEE f32 add, in a lane or in the tail, so any split gives the same bits.

import { F32 } from "../sizes";
/** y[i] = a[i] + b[i] for i in [i0, i1). */
export function f32_vadd_wasmsimd(y: usize, a: usize, b: usize, i0: i32, i1: i32): void {
  let i = i0;
  for (; i + 4 <= i1; i += 4) {
    const o = <usize>i * F32;
    v128.store(y + o, f32x4.add(v128.load(a + o), v128.load(b + o)));
  }
  for (; i < i1; i++) {
    const o = <usize>i * F32;
    store<f32>(y + o, load<f32>(a + o) + load<f32>(b + o));
  }
}
