// C[r0..r1) = A·Bᵀ (or += with accumulate), A m×k and B stored n×k, both row-major.
//
// Both operands are contiguous along k, so this is a tile of 4×2 dot products, each an f32x4
// accumulator over k in steps of 4. Every C element follows one fixed sequence on every path:
//   s[l] = Σ_q a[4q+l]·b[4q+l] (q in order), h = (s0 + s1) + (s2 + s3),
//   h = h + a[p]·b[p] for the k mod 4 tail, then C = h or C = C + h.
// So the result does not depend on the tile that computes it, nor on how [r0, r1) is split.

// @ts-ignore: decorator
@inline const F32 = 4;

// @ts-ignore: decorator
@inline
function finish(c: usize, lanes: v128, a: usize, b: usize, k4: i32, k: i32, accumulate: bool): void {
  let h: f32 = (f32x4.extract_lane(lanes, 0) + f32x4.extract_lane(lanes, 1)) + (f32x4.extract_lane(lanes, 2) + f32x4.extract_lane(lanes, 3));
  for (let p = k4; p < k; p++) h = h + load<f32>(a + <usize>p * F32) * load<f32>(b + <usize>p * F32);
  store<f32>(c, accumulate ? load<f32>(c) + h : h);
}

// @ts-ignore: decorator
@inline
function tile4x2(c: usize, ldc: usize, a: usize, lda: usize, b: usize, ldb: usize, k: i32, accumulate: bool): void {
  let s00 = f32x4.splat(0), s01 = f32x4.splat(0);
  let s10 = f32x4.splat(0), s11 = f32x4.splat(0);
  let s20 = f32x4.splat(0), s21 = f32x4.splat(0);
  let s30 = f32x4.splat(0), s31 = f32x4.splat(0);
  const k4 = k & ~3;
  for (let p = 0; p < k4; p += 4) {
    const off = <usize>p * F32;
    const b0 = v128.load(b + off), b1 = v128.load(b + ldb + off);
    const a0 = v128.load(a + off), a1 = v128.load(a + lda + off);
    const a2 = v128.load(a + 2 * lda + off), a3 = v128.load(a + 3 * lda + off);
    s00 = f32x4.add(s00, f32x4.mul(a0, b0)); s01 = f32x4.add(s01, f32x4.mul(a0, b1));
    s10 = f32x4.add(s10, f32x4.mul(a1, b0)); s11 = f32x4.add(s11, f32x4.mul(a1, b1));
    s20 = f32x4.add(s20, f32x4.mul(a2, b0)); s21 = f32x4.add(s21, f32x4.mul(a2, b1));
    s30 = f32x4.add(s30, f32x4.mul(a3, b0)); s31 = f32x4.add(s31, f32x4.mul(a3, b1));
  }
  finish(c, s00, a, b, k4, k, accumulate);
  finish(c + F32, s01, a, b + ldb, k4, k, accumulate);
  finish(c + ldc, s10, a + lda, b, k4, k, accumulate);
  finish(c + ldc + F32, s11, a + lda, b + ldb, k4, k, accumulate);
  finish(c + 2 * ldc, s20, a + 2 * lda, b, k4, k, accumulate);
  finish(c + 2 * ldc + F32, s21, a + 2 * lda, b + ldb, k4, k, accumulate);
  finish(c + 3 * ldc, s30, a + 3 * lda, b, k4, k, accumulate);
  finish(c + 3 * ldc + F32, s31, a + 3 * lda, b + ldb, k4, k, accumulate);
}

// @ts-ignore: decorator
@inline
function dot1x1(c: usize, a: usize, b: usize, k: i32, accumulate: bool): void {
  let s = f32x4.splat(0);
  const k4 = k & ~3;
  for (let p = 0; p < k4; p += 4) {
    const off = <usize>p * F32;
    s = f32x4.add(s, f32x4.mul(v128.load(a + off), v128.load(b + off)));
  }
  finish(c, s, a, b, k4, k, accumulate);
}

/** C[m×n] (+)= A[m×k]·Bᵀ with B stored n×k, output rows [r0, r1). */
export function f32_gemm_nt_4x2_wasmsimd(c: usize, a: usize, b: usize, m: i32, k: i32, n: i32, accumulate: bool, r0: i32, r1: i32): void {
  const ldc = <usize>n * F32, ld = <usize>k * F32;
  const n2 = n & ~1;
  let i = r0;
  for (; i + 4 <= r1; i += 4) {
    const ci = c + <usize>i * ldc, ai = a + <usize>i * ld;
    let j = 0;
    for (; j < n2; j += 2) tile4x2(ci + <usize>j * F32, ldc, ai, ld, b + <usize>j * ld, ld, k, accumulate);
    for (; j < n; j++) {
      for (let r = 0; r < 4; r++) dot1x1(ci + <usize>r * ldc + <usize>j * F32, ai + <usize>r * ld, b + <usize>j * ld, k, accumulate);
    }
  }
  for (; i < r1; i++) {
    const ci = c + <usize>i * ldc, ai = a + <usize>i * ld;
    for (let j = 0; j < n; j++) dot1x1(ci + <usize>j * F32, ai, b + <usize>j * ld, k, accumulate);
  }
}
