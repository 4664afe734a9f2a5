// C[r0..r1) = A·B (or += with accumulate), register-blocked 4×8 with 8 f32x4 accumulators; C is m×n
// row-major and B is packed into panels of 8 columns by f32-packb-x8-wasmsimd.ts. Two entry points
// differ only in how A is stored:
//   f32_gemm_nn_4x8_wasmsimd  A m×k row-major (A·B; A·Bᵀ too, its B packed from the stored transpose)
//   f32_gemm_tn_4x8_wasmsimd  A stored k×m, multiplied as its transpose (Aᵀ·B), read in place
//
// Every C element is computed the same way whichever tile (4×8, 4×4, 1×8, 1×4, full or edge) reaches
// it: acc = C or 0, then acc = acc + a·b for p = 0..k-1 in order, each a rounded f32 multiply and add
// (wasm has no fused multiply-add outside relaxed SIMD). So any split of [r0, r1) between threads,
// and any shape or layout, gives bitwise the same C.
//
// A block. Before a 4-row block multiplies the panels, its 4 rows × kc of A are copied into a block
// of the workspace, interleaved: the 4 values for step p are the 16 bytes at block + 16p. Then every
// A load in the inner loop is one pointer plus a constant offset (4 rows at 4 row pointers cost three
// address adds per step, measured 3–5% slower), and for Aᵀ·B the 4 values are 16 contiguous bytes of
// the stored A, so no transposed copy of the whole of A is needed (that copy cost 1.1 ms of the
// 9.5 ms of a [256×3763]ᵀ·[256×97]). The copy runs once per row block and k chunk, against
// ⌈n/8⌉ panels that reuse it from L1 (a 4×4 transpose per 4 steps for A·B, a 16-byte move per step
// for Aᵀ·B). The blocks sit in the workspace right after the packed panels:
//   blocks = w + (k·⌈n/8⌉·32 bytes rounded up to 64)          (src/ops/gemm.ts workspaceFloats reserves them)
//   the call covering rows [r0, r1) uses block ⌈r0/4⌉ only, min(k, KC)·16 bytes
// so calls on disjoint row ranges (threads) never share a block; the workspace holds ⌊m/4⌋ of them.
// Rows before the first multiple of 4 in [r0, r1) and after the last whole block go one at a time,
// reading A in place.
//
// Edges: n mod 8 in 5..7 uses a 4×8 tile with lane-masked loads and stores, 1..4 a 4×4 tile over the
// left half of the panel, at half the work (n = 97: 12 full panels and a 4×4, not 13 full ones).
//
// Why the loop looks the way it does (V8's TurboFan on x86-64, measured): the loop runs on a pointer
// with a precomputed end (no counter), and each A value is loaded right before its two multiply-adds.
// Unrolled over k, TurboFan hoists the loads of every copy and runs out of its 15 vector registers;
// with all loads up front it shuffles the accumulators between registers at every iteration. Both
// cost more than the loop overhead they would save (TurboFan unrolls the loop itself, keeping the
// order).

import { F32 } from "../sizes";
/** Bytes per k step of a packed B panel (8 floats). */
// @ts-ignore: decorator
@inline const PANEL_ROW = 32;
/** Bytes per k step of an A block (4 floats, one per row). */
// @ts-ignore: decorator
@inline const BLOCK_ROW = 16;
/**
 * k is walked in chunks: each chunk continues from the partial sums the previous one stored in C,
 * which leaves every element's sequence of roundings unchanged. 512 rather than 256: a second pass
 * over C cost 2–4% on k = 257 and k = 512, and a chunk of packed B still stays in L2.
 */
// @ts-ignore: decorator
@inline const KC = 512;

/** Lanes [0, count) from p, the rest 0 (count may be ≤ 0 or ≥ 4). */
// @ts-ignore: decorator
@inline
function loadLanes(p: usize, count: i32): v128 {
  if (count >= 4) return v128.load(p);
  let v = f32x4.splat(0);
  if (count > 0) v = f32x4.replace_lane(v, 0, load<f32>(p));
  if (count > 1) v = f32x4.replace_lane(v, 1, load<f32>(p, 4));
  if (count > 2) v = f32x4.replace_lane(v, 2, load<f32>(p, 8));
  return v;
}

/** Stores lanes [0, count) of v at p. */
// @ts-ignore: decorator
@inline
function storeLanes(p: usize, v: v128, count: i32): void {
  if (count >= 4) {
    v128.store(p, v);
    return;
  }
  if (count > 0) store<f32>(p, f32x4.extract_lane(v, 0));
  if (count > 1) store<f32>(p, f32x4.extract_lane(v, 1), 4);
  if (count > 2) store<f32>(p, f32x4.extract_lane(v, 2), 8);
}

/** C[4 rows × cols] (+)= an A block (16 bytes per step) · one packed panel, over k steps. */
// @ts-ignore: decorator
@inline
function tile4x8(c: usize, ldc: usize, block: usize, w: usize, k: i32, accumulate: bool, cols: i32): void {
  let c00 = f32x4.splat(0), c01 = f32x4.splat(0);
  let c10 = f32x4.splat(0), c11 = f32x4.splat(0);
  let c20 = f32x4.splat(0), c21 = f32x4.splat(0);
  let c30 = f32x4.splat(0), c31 = f32x4.splat(0);
  if (accumulate) {
    c00 = loadLanes(c, cols); c01 = loadLanes(c + 16, cols - 4);
    c10 = loadLanes(c + ldc, cols); c11 = loadLanes(c + ldc + 16, cols - 4);
    c20 = loadLanes(c + 2 * ldc, cols); c21 = loadLanes(c + 2 * ldc + 16, cols - 4);
    c30 = loadLanes(c + 3 * ldc, cols); c31 = loadLanes(c + 3 * ldc + 16, cols - 4);
  }
  let pa = block, pw = w;
  const end = w + <usize>k * PANEL_ROW;
  while (pw < end) {
    const b0 = v128.load(pw), b1 = v128.load(pw, 16);
    const a0 = v128.load32_splat(pa);
    c00 = f32x4.add(c00, f32x4.mul(a0, b0)); c01 = f32x4.add(c01, f32x4.mul(a0, b1));
    const a1 = v128.load32_splat(pa, 4);
    c10 = f32x4.add(c10, f32x4.mul(a1, b0)); c11 = f32x4.add(c11, f32x4.mul(a1, b1));
    const a2 = v128.load32_splat(pa, 8);
    c20 = f32x4.add(c20, f32x4.mul(a2, b0)); c21 = f32x4.add(c21, f32x4.mul(a2, b1));
    const a3 = v128.load32_splat(pa, 12);
    c30 = f32x4.add(c30, f32x4.mul(a3, b0)); c31 = f32x4.add(c31, f32x4.mul(a3, b1));
    pa += BLOCK_ROW; pw += PANEL_ROW;
  }
  storeLanes(c, c00, cols); storeLanes(c + 16, c01, cols - 4);
  storeLanes(c + ldc, c10, cols); storeLanes(c + ldc + 16, c11, cols - 4);
  storeLanes(c + 2 * ldc, c20, cols); storeLanes(c + 2 * ldc + 16, c21, cols - 4);
  storeLanes(c + 3 * ldc, c30, cols); storeLanes(c + 3 * ldc + 16, c31, cols - 4);
}

/** The same over the left half of the panel, cols ≤ 4: the n mod 8 ≤ 4 edge at half the work. */
// @ts-ignore: decorator
@inline
function tile4x4(c: usize, ldc: usize, block: usize, w: usize, k: i32, accumulate: bool, cols: i32): void {
  let c0 = f32x4.splat(0), c1 = f32x4.splat(0), c2 = f32x4.splat(0), c3 = f32x4.splat(0);
  if (accumulate) {
    c0 = loadLanes(c, cols); c1 = loadLanes(c + ldc, cols);
    c2 = loadLanes(c + 2 * ldc, cols); c3 = loadLanes(c + 3 * ldc, cols);
  }
  let pa = block, pw = w;
  const end = w + <usize>k * PANEL_ROW;
  while (pw < end) {
    const b0 = v128.load(pw);
    c0 = f32x4.add(c0, f32x4.mul(v128.load32_splat(pa), b0));
    c1 = f32x4.add(c1, f32x4.mul(v128.load32_splat(pa, 4), b0));
    c2 = f32x4.add(c2, f32x4.mul(v128.load32_splat(pa, 8), b0));
    c3 = f32x4.add(c3, f32x4.mul(v128.load32_splat(pa, 12), b0));
    pa += BLOCK_ROW; pw += PANEL_ROW;
  }
  storeLanes(c, c0, cols); storeLanes(c + ldc, c1, cols);
  storeLanes(c + 2 * ldc, c2, cols); storeLanes(c + 3 * ldc, c3, cols);
}

/** One row, A read in place (kStep bytes per step): rows outside whole blocks. */
// @ts-ignore: decorator
@inline
function tile1x8(c: usize, a: usize, kStep: usize, w: usize, k: i32, accumulate: bool, cols: i32): void {
  let c0 = accumulate ? loadLanes(c, cols) : f32x4.splat(0);
  let c1 = accumulate ? loadLanes(c + 16, cols - 4) : f32x4.splat(0);
  let pa = a, pw = w;
  const end = w + <usize>k * PANEL_ROW;
  while (pw < end) {
    const a0 = v128.load32_splat(pa);
    c0 = f32x4.add(c0, f32x4.mul(a0, v128.load(pw)));
    c1 = f32x4.add(c1, f32x4.mul(a0, v128.load(pw, 16)));
    pa += kStep; pw += PANEL_ROW;
  }
  storeLanes(c, c0, cols); storeLanes(c + 16, c1, cols - 4);
}

/** One row over the left half of the panel, cols ≤ 4. */
// @ts-ignore: decorator
@inline
function tile1x4(c: usize, a: usize, kStep: usize, w: usize, k: i32, accumulate: bool, cols: i32): void {
  let c0 = accumulate ? loadLanes(c, cols) : f32x4.splat(0);
  let pa = a, pw = w;
  const end = w + <usize>k * PANEL_ROW;
  while (pw < end) {
    c0 = f32x4.add(c0, f32x4.mul(v128.load32_splat(pa), v128.load(pw)));
    pa += kStep; pw += PANEL_ROW;
  }
  storeLanes(c, c0, cols);
}

/** Block ← 4 rows of a row-major A (lda bytes apart), kc steps: 4×4 transposes, then the steps past a multiple of 4 one by one. */
// @ts-ignore: decorator
@inline
function blockFromRows(block: usize, a: usize, lda: usize, kc: i32): void {
  let p = 0;
  for (; p + 4 <= kc; p += 4) {
    const src = a + <usize>p * F32;
    const r0 = v128.load(src), r1 = v128.load(src + lda), r2 = v128.load(src + 2 * lda), r3 = v128.load(src + 3 * lda);
    const t0 = i32x4.shuffle(r0, r1, 0, 4, 1, 5), t1 = i32x4.shuffle(r2, r3, 0, 4, 1, 5);
    const t2 = i32x4.shuffle(r0, r1, 2, 6, 3, 7), t3 = i32x4.shuffle(r2, r3, 2, 6, 3, 7);
    const d = block + <usize>p * BLOCK_ROW;
    v128.store(d, i64x2.shuffle(t0, t1, 0, 2));
    v128.store(d, i64x2.shuffle(t0, t1, 1, 3), 16);
    v128.store(d, i64x2.shuffle(t2, t3, 0, 2), 32);
    v128.store(d, i64x2.shuffle(t2, t3, 1, 3), 48);
  }
  for (; p < kc; p++) {
    const src = a + <usize>p * F32, d = block + <usize>p * BLOCK_ROW;
    store<f32>(d, load<f32>(src));
    store<f32>(d, load<f32>(src + lda), 4);
    store<f32>(d, load<f32>(src + 2 * lda), 8);
    store<f32>(d, load<f32>(src + 3 * lda), 12);
  }
}

/** Block ← 4 adjacent columns of A stored k×m (kStep bytes per step), kc steps: 16 bytes each. */
// @ts-ignore: decorator
@inline
function blockFromColumns(block: usize, a: usize, kStep: usize, kc: i32): void {
  let src = a, d = block;
  const end = block + <usize>kc * BLOCK_ROW;
  for (; d < end; d += BLOCK_ROW, src += kStep) v128.store(d, v128.load(src));
}

/** Rows [i0, i1) one at a time, A read in place, k steps of this chunk. */
// @ts-ignore: decorator
@inline
function singleRows(c: usize, ldc: usize, a: usize, rowStep: usize, kStep: usize, w: usize, panel: usize, n: i32, kc: i32, acc: bool, i0: i32, i1: i32): void {
  for (let i = i0; i < i1; i++) {
    const ci = c + <usize>i * ldc, ai = a + <usize>i * rowStep;
    let j = 0;
    for (; j + 4 < n; j += 8) tile1x8(ci + <usize>j * F32, ai, kStep, w + <usize>(j >> 3) * panel, kc, acc, n - j);
    if (j < n) tile1x4(ci + <usize>j * F32, ai, kStep, w + <usize>(j >> 3) * panel, kc, acc, n - j);
  }
}

// @ts-ignore: decorator
@inline
function multiply(c: usize, a: usize, w: usize, m: i32, k: i32, n: i32, accumulate: bool, r0: i32, r1: i32, transposedA: bool): void {
  const ldc = <usize>n * F32, panel = <usize>k * PANEL_ROW;
  // Bytes from row i to row i+1 of A, and from step p to p+1.
  const rowStep: usize = transposedA ? <usize>F32 : <usize>k * F32;
  const kStep: usize = transposedA ? <usize>m * F32 : <usize>F32;
  // Whole 4-row blocks [b0, b1); the rows around them go one at a time.
  const b0 = min(r1, (r0 + 3) & ~3), b1 = b0 + ((r1 - b0) & ~3);
  const packedBytes = (<usize>k * <usize>((n + 7) >> 3) * PANEL_ROW + 63) & ~(<usize>63);
  const block = w + packedBytes + <usize>(b0 >> 2) * <usize>min(k, KC) * BLOCK_ROW;
  for (let p0 = 0; p0 < k; p0 += KC) {
    const kc = min(KC, k - p0);
    const acc = accumulate || p0 > 0;
    const ap = a + <usize>p0 * kStep, wp = w + <usize>p0 * PANEL_ROW;
    singleRows(c, ldc, ap, rowStep, kStep, wp, panel, n, kc, acc, r0, b0);
    for (let i = b0; i < b1; i += 4) {
      const ci = c + <usize>i * ldc;
      if (transposedA) blockFromColumns(block, ap + <usize>i * rowStep, kStep, kc);
      else blockFromRows(block, ap + <usize>i * rowStep, rowStep, kc);
      let j = 0;
      // Full tiles with constant arguments, so each inlined copy has a fixed start (zeros or C) and
      // whole-vector stores: given a start that may be either, TurboFan shuffled the accumulators
      // between registers on every iteration (−10% measured).
      if (acc) for (; j + 8 <= n; j += 8) tile4x8(ci + <usize>j * F32, ldc, block, wp + <usize>(j >> 3) * panel, kc, true, 8);
      else for (; j + 8 <= n; j += 8) tile4x8(ci + <usize>j * F32, ldc, block, wp + <usize>(j >> 3) * panel, kc, false, 8);
      if (j + 4 < n) tile4x8(ci + <usize>j * F32, ldc, block, wp + <usize>(j >> 3) * panel, kc, acc, n - j);
      else if (j < n) tile4x4(ci + <usize>j * F32, ldc, block, wp + <usize>(j >> 3) * panel, kc, acc, n - j);
    }
    singleRows(c, ldc, ap, rowStep, kStep, wp, panel, n, kc, acc, b1, r1);
  }
}

/**
 * C[m×n] (+)= A[m×k]·B with B packed at w (f32_packb_kn_x8 of B, or f32_packb_nk_x8 of a stored Bᵀ),
 * output rows [r0, r1). Writes one A block in the workspace past the panels (see the top of this file).
 */
export function f32_gemm_nn_4x8_wasmsimd(c: usize, a: usize, w: usize, m: i32, k: i32, n: i32, accumulate: bool, r0: i32, r1: i32): void {
  multiply(c, a, w, m, k, n, accumulate, r0, r1, false);
}

/**
 * C[m×n] (+)= Aᵀ·B with A stored k×m and B packed at w, output rows [r0, r1). Writes one A block in
 * the workspace past the panels, as f32_gemm_nn_4x8_wasmsimd.
 */
export function f32_gemm_tn_4x8_wasmsimd(c: usize, a: usize, w: usize, m: i32, k: i32, n: i32, accumulate: bool, r0: i32, r1: i32): void {
  multiply(c, a, w, m, k, n, accumulate, r0, r1, true);
}
