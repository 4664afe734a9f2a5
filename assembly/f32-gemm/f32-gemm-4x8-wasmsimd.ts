// C[r0..r1) = A·B or Aᵀ·B (or += with accumulate), register-blocked 4×8 with 8 f32x4 accumulators.
//
// One micro-kernel serves both layouts because they differ only in how A is strided:
//   nn: A is m×k, element (i, p) at i*k + p
//   tn: A is stored k×m, element (i, p) at p*m + i
// B is k×n and C is m×n, row-major, in both.
//
// Every C element is computed the same way whichever path (4×8 tile, 4×4, scalar edge) reaches it:
// acc = C or 0, then acc = acc + a·b for p = 0..k-1 in order, each a rounded f32 multiply and add
// (wasm has no fused multiply-add outside relaxed SIMD). So any split of [r0, r1) between threads,
// and any shape, gives bitwise the same C.

// @ts-ignore: decorator
@inline const F32 = 4;
// @ts-ignore: decorator
@inline const KC_NN = 128;
// @ts-ignore: decorator
@inline const KC_TN = 16;

// @ts-ignore: decorator
@inline
function tile4x8(c: usize, ldc: usize, a: usize, aRow: usize, aStep: usize, b: usize, ldb: usize, k: i32, accumulate: bool): void {
  let c00 = f32x4.splat(0), c01 = f32x4.splat(0);
  let c10 = f32x4.splat(0), c11 = f32x4.splat(0);
  let c20 = f32x4.splat(0), c21 = f32x4.splat(0);
  let c30 = f32x4.splat(0), c31 = f32x4.splat(0);
  if (accumulate) {
    c00 = v128.load(c); c01 = v128.load(c, 16);
    c10 = v128.load(c + ldc); c11 = v128.load(c + ldc, 16);
    c20 = v128.load(c + 2 * ldc); c21 = v128.load(c + 2 * ldc, 16);
    c30 = v128.load(c + 3 * ldc); c31 = v128.load(c + 3 * ldc, 16);
  }
  let pa = a, pb = b;
  for (let p = 0; p < k; p++) {
    const b0 = v128.load(pb), b1 = v128.load(pb, 16);
    const a0 = v128.load32_splat(pa);
    const a1 = v128.load32_splat(pa + aRow);
    const a2 = v128.load32_splat(pa + 2 * aRow);
    const a3 = v128.load32_splat(pa + 3 * aRow);
    c00 = f32x4.add(c00, f32x4.mul(a0, b0)); c01 = f32x4.add(c01, f32x4.mul(a0, b1));
    c10 = f32x4.add(c10, f32x4.mul(a1, b0)); c11 = f32x4.add(c11, f32x4.mul(a1, b1));
    c20 = f32x4.add(c20, f32x4.mul(a2, b0)); c21 = f32x4.add(c21, f32x4.mul(a2, b1));
    c30 = f32x4.add(c30, f32x4.mul(a3, b0)); c31 = f32x4.add(c31, f32x4.mul(a3, b1));
    pa += aStep; pb += ldb;
  }
  v128.store(c, c00); v128.store(c, c01, 16);
  v128.store(c + ldc, c10); v128.store(c + ldc, c11, 16);
  v128.store(c + 2 * ldc, c20); v128.store(c + 2 * ldc, c21, 16);
  v128.store(c + 3 * ldc, c30); v128.store(c + 3 * ldc, c31, 16);
}

// @ts-ignore: decorator
@inline
function tile4x4(c: usize, ldc: usize, a: usize, aRow: usize, aStep: usize, b: usize, ldb: usize, k: i32, accumulate: bool): void {
  let c0 = f32x4.splat(0), c1 = f32x4.splat(0), c2 = f32x4.splat(0), c3 = f32x4.splat(0);
  if (accumulate) {
    c0 = v128.load(c); c1 = v128.load(c + ldc); c2 = v128.load(c + 2 * ldc); c3 = v128.load(c + 3 * ldc);
  }
  let pa = a, pb = b;
  for (let p = 0; p < k; p++) {
    const b0 = v128.load(pb);
    c0 = f32x4.add(c0, f32x4.mul(v128.load32_splat(pa), b0));
    c1 = f32x4.add(c1, f32x4.mul(v128.load32_splat(pa + aRow), b0));
    c2 = f32x4.add(c2, f32x4.mul(v128.load32_splat(pa + 2 * aRow), b0));
    c3 = f32x4.add(c3, f32x4.mul(v128.load32_splat(pa + 3 * aRow), b0));
    pa += aStep; pb += ldb;
  }
  v128.store(c, c0); v128.store(c + ldc, c1); v128.store(c + 2 * ldc, c2); v128.store(c + 3 * ldc, c3);
}

// @ts-ignore: decorator
@inline
function tile1x8(c: usize, a: usize, aStep: usize, b: usize, ldb: usize, k: i32, accumulate: bool): void {
  let c0 = accumulate ? v128.load(c) : f32x4.splat(0);
  let c1 = accumulate ? v128.load(c, 16) : f32x4.splat(0);
  let pa = a, pb = b;
  for (let p = 0; p < k; p++) {
    const a0 = v128.load32_splat(pa);
    c0 = f32x4.add(c0, f32x4.mul(a0, v128.load(pb)));
    c1 = f32x4.add(c1, f32x4.mul(a0, v128.load(pb, 16)));
    pa += aStep; pb += ldb;
  }
  v128.store(c, c0); v128.store(c, c1, 16);
}

// @ts-ignore: decorator
@inline
function tile1x4(c: usize, a: usize, aStep: usize, b: usize, ldb: usize, k: i32, accumulate: bool): void {
  let c0 = accumulate ? v128.load(c) : f32x4.splat(0);
  let pa = a, pb = b;
  for (let p = 0; p < k; p++) {
    c0 = f32x4.add(c0, f32x4.mul(v128.load32_splat(pa), v128.load(pb)));
    pa += aStep; pb += ldb;
  }
  v128.store(c, c0);
}

// @ts-ignore: decorator
@inline
function dot1x1(c: usize, a: usize, aStep: usize, b: usize, ldb: usize, k: i32, accumulate: bool): void {
  let acc: f32 = accumulate ? load<f32>(c) : 0;
  let pa = a, pb = b;
  for (let p = 0; p < k; p++) {
    acc = acc + load<f32>(pa) * load<f32>(pb);
    pa += aStep; pb += ldb;
  }
  store<f32>(c, acc);
}

// Rows [r0, r1) of C; aRow/aStep are A's byte strides between output rows and along k.
// k is walked in chunks of KC so the slice of B a chunk reads stays in L2 (and its pages in the TLB)
// while every row block reuses it; a chunk continues from the partial sums the previous one stored,
// which leaves each element's sequence of roundings unchanged.
// @ts-ignore: decorator
@inline
function gemm(c: usize, a: usize, b: usize, m: i32, k: i32, n: i32, aRow: usize, aStep: usize, kcMax: i32, accumulate: bool, r0: i32, r1: i32): void {
  const ldc = <usize>n * F32, ldb = <usize>n * F32;
  const n8 = n & ~7, n4 = n & ~3;
  for (let p0 = 0; p0 < k; p0 += kcMax) {
    const kc = min(kcMax, k - p0);
    const acc = accumulate || p0 > 0;
    const ap = a + <usize>p0 * aStep, bp = b + <usize>p0 * ldb;
    let i = r0;
    for (; i + 4 <= r1; i += 4) {
      const ci = c + <usize>i * ldc, ai = ap + <usize>i * aRow;
      let j = 0;
      for (; j < n8; j += 8) tile4x8(ci + <usize>j * F32, ldc, ai, aRow, aStep, bp + <usize>j * F32, ldb, kc, acc);
      for (; j < n4; j += 4) tile4x4(ci + <usize>j * F32, ldc, ai, aRow, aStep, bp + <usize>j * F32, ldb, kc, acc);
      for (; j < n; j++) {
        for (let r = 0; r < 4; r++) {
          dot1x1(ci + <usize>r * ldc + <usize>j * F32, ai + <usize>r * aRow, aStep, bp + <usize>j * F32, ldb, kc, acc);
        }
      }
    }
    for (; i < r1; i++) {
      const ci = c + <usize>i * ldc, ai = ap + <usize>i * aRow;
      let j = 0;
      for (; j < n8; j += 8) tile1x8(ci + <usize>j * F32, ai, aStep, bp + <usize>j * F32, ldb, kc, acc);
      for (; j < n4; j += 4) tile1x4(ci + <usize>j * F32, ai, aStep, bp + <usize>j * F32, ldb, kc, acc);
      for (; j < n; j++) dot1x1(ci + <usize>j * F32, ai, aStep, bp + <usize>j * F32, ldb, kc, acc);
    }
  }
}

/** C[m×n] (+)= A[m×k]·B[k×n], output rows [r0, r1). */
export function f32_gemm_nn_4x8_wasmsimd(c: usize, a: usize, b: usize, m: i32, k: i32, n: i32, accumulate: bool, r0: i32, r1: i32): void {
  gemm(c, a, b, m, k, n, <usize>k * F32, F32, KC_NN, accumulate, r0, r1);
}

/** C[m×n] (+)= Aᵀ·B with A stored k×m and B k×n, output rows [r0, r1). */
export function f32_gemm_tn_4x8_wasmsimd(c: usize, a: usize, b: usize, m: i32, k: i32, n: i32, accumulate: bool, r0: i32, r1: i32): void {
  gemm(c, a, b, m, k, n, F32, <usize>m * F32, KC_TN, accumulate, r0, r1);
}
