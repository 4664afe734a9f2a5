// out[cols×rows] = xᵀ for x[rows×cols], both row-major: a copy, so exact.
//
// Blocks of 4×4 go through registers (4 loads, 8 shuffles, 4 stores); the edges past a multiple of 4
// are copied one float at a time. Output rows [c0, c1) (x's columns) are written, so threads split by
// output rows; the matmul uses it to turn Aᵀ·B into A·B over a transposed copy of A.

// @ts-ignore: decorator
@inline const F32 = 4;
// @ts-ignore: decorator
@inline const BLOCK = 64;

/** Output rows [c0, c1) of out = xᵀ (c0 a multiple of 4 for the fast path; any range is correct). */
export function f32_transpose_4x4_wasmsimd(out: usize, x: usize, rows: i32, cols: i32, c0: i32, c1: i32): void {
  const ldx = <usize>cols * F32, ldo = <usize>rows * F32;
  const rows4 = rows & ~3;
  // Strips of BLOCK output rows: the strip's output lines fill as x is read row by row, so neither
  // side walks a large power-of-two stride through one cache set for long.
  for (let s0 = c0; s0 < c1; s0 += BLOCK) {
    const s1 = min(c1, s0 + BLOCK);
    const j4 = s0 + ((s1 - s0) & ~3);
    for (let i = 0; i < rows4; i += 4) {
      const src = x + <usize>i * ldx;
      for (let j = s0; j < j4; j += 4) {
        const s = src + <usize>j * F32;
        const r0 = v128.load(s), r1 = v128.load(s + ldx), r2 = v128.load(s + 2 * ldx), r3 = v128.load(s + 3 * ldx);
        // Rows (a0 a1 a2 a3), (b0 …), … → interleave pairs, then halves: column q of the block becomes a row.
        const t0 = i32x4.shuffle(r0, r1, 0, 4, 1, 5), t1 = i32x4.shuffle(r2, r3, 0, 4, 1, 5);
        const t2 = i32x4.shuffle(r0, r1, 2, 6, 3, 7), t3 = i32x4.shuffle(r2, r3, 2, 6, 3, 7);
        const d = out + <usize>j * ldo + <usize>i * F32;
        v128.store(d, i64x2.shuffle(t0, t1, 0, 2));
        v128.store(d + ldo, i64x2.shuffle(t0, t1, 1, 3));
        v128.store(d + 2 * ldo, i64x2.shuffle(t2, t3, 0, 2));
        v128.store(d + 3 * ldo, i64x2.shuffle(t2, t3, 1, 3));
      }
      for (let r = 0; r < 4; r++) {
        for (let j = j4; j < s1; j++) store<f32>(out + <usize>j * ldo + <usize>(i + r) * F32, load<f32>(src + <usize>r * ldx + <usize>j * F32));
      }
    }
    for (let i = rows4; i < rows; i++) {
      for (let j = s0; j < s1; j++) store<f32>(out + <usize>j * ldo + <usize>i * F32, load<f32>(x + <usize>i * ldx + <usize>j * F32));
    }
  }
}
