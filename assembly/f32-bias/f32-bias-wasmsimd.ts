// Bias of a linear layer: forward adds bias[j] to every row, backward sums dy over rows.
//
// Forward is elementwise (one f32 add per element), split by rows. Backward is a reduction over
// rows, so it is split by columns instead: each column's sum always runs over rows 0..rows−1 in
// order, whoever computes it, and f32x4 lanes are independent IEEE f32 adds, so the SIMD body and
// the scalar tail produce the same bits for a column.

import { F32 } from "../sizes";
/** y[i, j] = x[i, j] + bias[j] for rows i in [r0, r1) of x[rows×cols]. y may alias x. */
export function f32_bias_forward_wasmsimd(y: usize, x: usize, bias: usize, rows: i32, cols: i32, r0: i32, r1: i32): void {
  const ld = <usize>cols * F32;
  const c4 = cols & ~3;
  for (let i = r0; i < r1; i++) {
    const xi = x + <usize>i * ld, yi = y + <usize>i * ld;
    let j = 0;
    for (; j < c4; j += 4) {
      const o = <usize>j * F32;
      v128.store(yi + o, f32x4.add(v128.load(xi + o), v128.load(bias + o)));
    }
    for (; j < cols; j++) {
      const o = <usize>j * F32;
      store<f32>(yi + o, load<f32>(xi + o) + load<f32>(bias + o));
    }
  }
}

/**
 * dbias[j] += Σ_i dy[i, j] for columns j in [c0, c1) of dy[rows×cols] (accumulated: the caller
 * zeroes gradients). Per column, sum = 0, then sum += dy[i, j] for i = 0..rows−1 in f32, then
 * dbias[j] += sum (llm.c's order).
 */
export function f32_bias_backward_wasmsimd(dbias: usize, dy: usize, rows: i32, cols: i32, c0: i32, c1: i32): void {
  const ld = <usize>cols * F32;
  let j = c0;
  // 16 columns (4 vectors) per pass over the rows: four independent add chains hide the add latency.
  for (; j + 16 <= c1; j += 16) {
    let s0 = f32x4.splat(0), s1 = f32x4.splat(0), s2 = f32x4.splat(0), s3 = f32x4.splat(0);
    let p = dy + <usize>j * F32;
    for (let i = 0; i < rows; i++) {
      s0 = f32x4.add(s0, v128.load(p));
      s1 = f32x4.add(s1, v128.load(p, 16));
      s2 = f32x4.add(s2, v128.load(p, 32));
      s3 = f32x4.add(s3, v128.load(p, 48));
      p += ld;
    }
    const d = dbias + <usize>j * F32;
    v128.store(d, f32x4.add(v128.load(d), s0));
    v128.store(d, f32x4.add(v128.load(d, 16), s1), 16);
    v128.store(d, f32x4.add(v128.load(d, 32), s2), 32);
    v128.store(d, f32x4.add(v128.load(d, 48), s3), 48);
  }
  for (; j + 4 <= c1; j += 4) {
    let s = f32x4.splat(0);
    let p = dy + <usize>j * F32;
    for (let i = 0; i < rows; i++) {
      s = f32x4.add(s, v128.load(p));
      p += ld;
    }
    const d = dbias + <usize>j * F32;
    v128.store(d, f32x4.add(v128.load(d), s));
  }
  for (; j < c1; j++) {
    let s: f32 = 0;
    let p = dy + <usize>j * F32;
    for (let i = 0; i < rows; i++) {
      s = s + load<f32>(p);
      p += ld;
    }
    const d = dbias + <usize>j * F32;
    store<f32>(d, load<f32>(d) + s);
  }
}
