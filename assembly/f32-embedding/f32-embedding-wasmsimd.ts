// Embedding lookup: row i of the output is row ids[i] of the table (table is vocab×dim, ids i32).
//
// Forward copies rows and is split by output rows. Backward is a scatter-add: two rows i with the
// same id add into the same table row, so splitting by rows would race and reorder the adds.
// It is split by columns instead: every element dtable[id, c] receives its adds in row order
// i = 0..rows−1 whatever [c0, c1) is, each an IEEE f32 add in a lane or in the scalar tail.
// ids must be in [0, vocab); they are not checked.

// @ts-ignore: decorator
import { F32 } from "../sizes";
@inline const I32 = 4;

/**
 * out[i, :] = table[ids[i], :] (or += with accumulate) for rows i in [r0, r1) of out[rows×dim].
 * Accumulating gathers let a linear layer over concatenated one-hot or embedded tokens run as
 * out = T₀[a] + T₁[b] + …, where Tₚ is the product of position p's weight slice (and embedding).
 */
export function f32_embedding_forward_wasmsimd(out: usize, table: usize, ids: usize, rows: i32, dim: i32, accumulate: bool, r0: i32, r1: i32): void {
  const ld = <usize>dim * F32;
  const d4 = dim & ~3;
  for (let i = r0; i < r1; i++) {
    const src = table + <usize>load<i32>(ids + <usize>i * I32) * ld;
    const dst = out + <usize>i * ld;
    let c = 0;
    if (accumulate) {
      for (; c < d4; c += 4) {
        const o = <usize>c * F32;
        v128.store(dst + o, f32x4.add(v128.load(dst + o), v128.load(src + o)));
      }
      for (; c < dim; c++) {
        const o = <usize>c * F32;
        store<f32>(dst + o, load<f32>(dst + o) + load<f32>(src + o));
      }
    } else {
      for (; c < d4; c += 4) {
        const o = <usize>c * F32;
        v128.store(dst + o, v128.load(src + o));
      }
      for (; c < dim; c++) {
        const o = <usize>c * F32;
        store<f32>(dst + o, load<f32>(src + o));
      }
    }
  }
}

/**
 * dtable[ids[i], c] += dout[i, c] for columns c in [c0, c1), rows i = 0..rows−1 in order
 * (accumulated: the caller zeroes gradients; repeated ids add up in row order).
 */
export function f32_embedding_backward_wasmsimd(dtable: usize, dout: usize, ids: usize, rows: i32, dim: i32, c0: i32, c1: i32): void {
  const ld = <usize>dim * F32;
  const o0 = <usize>c0 * F32;
  const n4 = (c1 - c0) & ~3;
  for (let i = 0; i < rows; i++) {
    const dst = dtable + <usize>load<i32>(ids + <usize>i * I32) * ld + o0;
    const src = dout + <usize>i * ld + o0;
    let c = 0;
    for (; c < n4; c += 4) {
      const o = <usize>c * F32;
      v128.store(dst + o, f32x4.add(v128.load(dst + o), v128.load(src + o)));
    }
    for (; c < c1 - c0; c++) {
      const o = <usize>c * F32;
      store<f32>(dst + o, load<f32>(dst + o) + load<f32>(src + o));
    }
  }
}
