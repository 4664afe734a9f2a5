// Packs the B operand of a matmul into panels of 8 columns, the layout the 4×8 micro-kernel reads:
//
//   panel q (columns 8q … 8q+7) starts at w + q·k·32 bytes; row p of the panel is the 8 floats
//   B[p, 8q … 8q+7] at +p·32, columns past n filled with 0.
//
// Packed, the micro-kernel walks one contiguous stream with constant offsets: no row stride, no
// cache-set conflicts when n·4 is a power of two, and the n mod 8 edge uses the same loop as the
// rest (GotoBLAS's packing, Goto & van de Geijn 2008, §6; XNNPACK's packed weights).
// Packing only copies, so it cannot change a single bit of the product.
//
// Panels [q0, q1) are packed, so threads can split the work by panels. The whole operand takes
// k·⌈n/8⌉·8 floats (packedFloats in src/wasm/gemm.ts).

// @ts-ignore: decorator
import { F32 } from "../sizes";
@inline const PANEL_ROW = 32;

/** Packs B stored k×n (row-major), panels [q0, q1). */
export function f32_packb_kn_x8_wasmsimd(w: usize, b: usize, k: i32, n: i32, q0: i32, q1: i32): void {
  const ldb = <usize>n * F32;
  for (let q = q0; q < q1; q++) {
    const j = q * 8, cols = min(8, n - j);
    let dst = w + <usize>q * <usize>k * PANEL_ROW, src = b + <usize>j * F32;
    const end = dst + <usize>k * PANEL_ROW;
    if (cols == 8) {
      for (; dst < end; dst += PANEL_ROW, src += ldb) {
        v128.store(dst, v128.load(src));
        v128.store(dst, v128.load(src, 16), 16);
      }
    } else {
      for (; dst < end; dst += PANEL_ROW, src += ldb) {
        v128.store(dst, f32x4.splat(0));
        v128.store(dst, f32x4.splat(0), 16);
        for (let l = 0; l < cols; l++) store<f32>(dst + <usize>l * F32, load<f32>(src + <usize>l * F32));
      }
    }
  }
}

/** Rows r0..r3 (4 floats each) → their transpose, stored 4 panel rows apart at d (PANEL_ROW bytes between rows). */
// @ts-ignore: decorator
@inline
function transpose4x4(d: usize, r0: v128, r1: v128, r2: v128, r3: v128): void {
  const t0 = i32x4.shuffle(r0, r1, 0, 4, 1, 5), t1 = i32x4.shuffle(r2, r3, 0, 4, 1, 5);
  const t2 = i32x4.shuffle(r0, r1, 2, 6, 3, 7), t3 = i32x4.shuffle(r2, r3, 2, 6, 3, 7);
  v128.store(d, i64x2.shuffle(t0, t1, 0, 2));
  v128.store(d, i64x2.shuffle(t0, t1, 1, 3), PANEL_ROW);
  v128.store(d, i64x2.shuffle(t2, t3, 0, 2), 2 * PANEL_ROW);
  v128.store(d, i64x2.shuffle(t2, t3, 1, 3), 3 * PANEL_ROW);
}

/**
 * Packs B given as Bᵀ, stored n×k (row-major): panel row p gathers B[8q+l, p] for l = 0…7; panels [q0, q1).
 * A full panel goes 4 steps at a time through two 4×4 transposes (its 8 source rows read contiguously);
 * the steps past a multiple of 4, and the last panel when n mod 8 ≠ 0, one float at a time.
 */
export function f32_packb_nk_x8_wasmsimd(w: usize, b: usize, k: i32, n: i32, q0: i32, q1: i32): void {
  const ldb = <usize>k * F32;
  for (let q = q0; q < q1; q++) {
    const j = q * 8, cols = min(8, n - j);
    const panel = w + <usize>q * <usize>k * PANEL_ROW;
    const src = b + <usize>j * ldb;
    let p = 0;
    if (cols == 8) {
      for (; p + 4 <= k; p += 4) {
        const s = src + <usize>p * F32, d = panel + <usize>p * PANEL_ROW;
        transpose4x4(d, v128.load(s), v128.load(s + ldb), v128.load(s + 2 * ldb), v128.load(s + 3 * ldb));
        transpose4x4(d + 16, v128.load(s + 4 * ldb), v128.load(s + 5 * ldb), v128.load(s + 6 * ldb), v128.load(s + 7 * ldb));
      }
    } else {
      for (let r = 0; r < k; r++) {
        v128.store(panel + <usize>r * PANEL_ROW, f32x4.splat(0));
        v128.store(panel + <usize>r * PANEL_ROW, f32x4.splat(0), 16);
      }
    }
    // Column l of the panel is row j+l of the stored operand, read contiguously from step p on.
    for (let l = 0; l < cols; l++) {
      let s = src + <usize>l * ldb + <usize>p * F32, d = panel + <usize>l * F32 + <usize>p * PANEL_ROW;
      const end = src + <usize>l * ldb + ldb;
      for (; s < end; s += F32, d += PANEL_ROW) store<f32>(d, load<f32>(s));
    }
  }
}
