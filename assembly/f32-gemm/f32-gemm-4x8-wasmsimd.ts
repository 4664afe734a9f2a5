// C[r0..r1) = A·B (or += with accumulate), register-blocked 4×8 with 8 f32x4 accumulators; A is m×k
// and C m×n, row-major, and B is packed into panels of 8 columns by f32-packb-x8-wasmsimd.ts.
// The other layouts reduce to this one (src/wasm/gemm.ts): A·Bᵀ packs B from its transpose, and
// Aᵀ·B multiplies a transposed copy of A (f32-transpose): read down its columns, A walked one cache
// line per k at a large stride through few cache sets, 15–20% slower than the copy costs.
//
// Every C element is computed the same way whichever tile (4×8 or 1×8, full or edge) reaches it:
// acc = C or 0, then acc = acc + a·b for p = 0..k-1 in order, each a rounded f32 multiply and add
// (wasm has no fused multiply-add outside relaxed SIMD). So any split of [r0, r1) between threads,
// and any shape, gives bitwise the same C.
//
// Why the loop looks the way it does (V8's TurboFan on x86-64, measured): the loop runs on a pointer
// with a precomputed end (no counter), and each A value is loaded right before its two multiply-adds.
// Unrolled over k, TurboFan hoists the loads of every copy and runs out of its 15 vector registers;
// with all loads up front it shuffles the accumulators between registers at every iteration. Both
// cost more than the loop overhead they would save.

// @ts-ignore: decorator
@inline const F32 = 4;
// @ts-ignore: decorator
@inline const PANEL_ROW = 32;
/** k is walked in chunks: a chunk of packed B (KC·32 bytes per panel) stays in L2 while every row block reuses it. */
// @ts-ignore: decorator
@inline const KC = 256;

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

/** C[4 rows × cols] (+)= 4 rows of A (lda bytes apart) · one packed panel, over k rows of it. */
// @ts-ignore: decorator
@inline
function tile4x8(c: usize, ldc: usize, a: usize, lda: usize, w: usize, k: i32, accumulate: bool, cols: i32): void {
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
  let pa = a, pw = w;
  const end = w + <usize>k * PANEL_ROW;
  while (pw < end) {
    const b0 = v128.load(pw), b1 = v128.load(pw, 16);
    const a0 = v128.load32_splat(pa);
    c00 = f32x4.add(c00, f32x4.mul(a0, b0)); c01 = f32x4.add(c01, f32x4.mul(a0, b1));
    const a1 = v128.load32_splat(pa + lda);
    c10 = f32x4.add(c10, f32x4.mul(a1, b0)); c11 = f32x4.add(c11, f32x4.mul(a1, b1));
    const a2 = v128.load32_splat(pa + 2 * lda);
    c20 = f32x4.add(c20, f32x4.mul(a2, b0)); c21 = f32x4.add(c21, f32x4.mul(a2, b1));
    const a3 = v128.load32_splat(pa + 3 * lda);
    c30 = f32x4.add(c30, f32x4.mul(a3, b0)); c31 = f32x4.add(c31, f32x4.mul(a3, b1));
    pa += F32; pw += PANEL_ROW;
  }
  storeLanes(c, c00, cols); storeLanes(c + 16, c01, cols - 4);
  storeLanes(c + ldc, c10, cols); storeLanes(c + ldc + 16, c11, cols - 4);
  storeLanes(c + 2 * ldc, c20, cols); storeLanes(c + 2 * ldc + 16, c21, cols - 4);
  storeLanes(c + 3 * ldc, c30, cols); storeLanes(c + 3 * ldc + 16, c31, cols - 4);
}

/** One row of the same: the m mod 4 rows, and row ranges that don't start on a multiple of 4. */
// @ts-ignore: decorator
@inline
function tile1x8(c: usize, a: usize, w: usize, k: i32, accumulate: bool, cols: i32): void {
  let c0 = accumulate ? loadLanes(c, cols) : f32x4.splat(0);
  let c1 = accumulate ? loadLanes(c + 16, cols - 4) : f32x4.splat(0);
  let pa = a, pw = w;
  const end = w + <usize>k * PANEL_ROW;
  while (pw < end) {
    const a0 = v128.load32_splat(pa);
    c0 = f32x4.add(c0, f32x4.mul(a0, v128.load(pw)));
    c1 = f32x4.add(c1, f32x4.mul(a0, v128.load(pw, 16)));
    pa += F32; pw += PANEL_ROW;
  }
  storeLanes(c, c0, cols); storeLanes(c + 16, c1, cols - 4);
}

/**
 * C[m×n] (+)= A[m×k]·B with B packed (f32_packb_kn_x8 of B, or f32_packb_nk_x8 of a stored Bᵀ), output rows [r0, r1).
 * A chunk of k continues from the partial sums the previous chunk stored, which leaves each
 * element's sequence of roundings unchanged.
 */
export function f32_gemm_nn_4x8_wasmsimd(c: usize, a: usize, w: usize, m: i32, k: i32, n: i32, accumulate: bool, r0: i32, r1: i32): void {
  const ldc = <usize>n * F32, lda = <usize>k * F32, panel = <usize>k * PANEL_ROW;
  for (let p0 = 0; p0 < k; p0 += KC) {
    const kc = min(KC, k - p0);
    const acc = accumulate || p0 > 0;
    const ap = a + <usize>p0 * F32, wp = w + <usize>p0 * PANEL_ROW;
    let i = r0;
    for (; i + 4 <= r1; i += 4) {
      const ci = c + <usize>i * ldc, ai = ap + <usize>i * lda;
      let j = 0;
      // Full tiles with constant arguments, so each inlined copy has a fixed start (zeros or C) and
      // whole-vector stores: given a start that may be either, TurboFan shuffled the accumulators
      // between registers on every iteration (−10% measured).
      if (acc) for (; j + 8 <= n; j += 8) tile4x8(ci + <usize>j * F32, ldc, ai, lda, wp + <usize>(j >> 3) * panel, kc, true, 8);
      else for (; j + 8 <= n; j += 8) tile4x8(ci + <usize>j * F32, ldc, ai, lda, wp + <usize>(j >> 3) * panel, kc, false, 8);
      if (j < n) tile4x8(ci + <usize>j * F32, ldc, ai, lda, wp + <usize>(j >> 3) * panel, kc, acc, n - j);
    }
    for (; i < r1; i++) {
      for (let j = 0; j < n; j += 8) tile1x8(c + <usize>i * ldc + <usize>j * F32, ap + <usize>i * lda, wp + <usize>(j >> 3) * panel, kc, acc, n - j);
    }
  }
}
