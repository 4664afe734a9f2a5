// This machine's wasm SIMD ceiling for f32 multiplies and adds, as a throughput bound.
//
// Twelve independent chains x = x·a + b. One chain is latency-bound (a multiply, then a dependent
// add), but the chains don't depend on each other, so the out-of-order core overlaps them and the
// vector ports, not latency, set the pace: 24 operations in flight against ~6 cycles of chain latency.
// Twelve accumulators plus the two constants fit in the 16 xmm registers. The constants come in as
// arguments: as literals, V8 rematerialises them inside the loop. The body is unrolled four times
// so loop overhead (counter, compare, stack check) doesn't steal the arithmetic ports.
// The values converge to b/(1-a) and never go subnormal.

/** Flops one iteration does: 4 rounds × 12 chains × 4 lanes × (multiply + add). */
export const F32_PEAK_FLOPS_PER_ITERATION: i32 = 384;

/** Runs `iterations` rounds with x = x·a + b (pass a in (0,1), e.g. 0.999, and a small b); returns a value that depends on every chain. */
export function f32_peak_wasmsimd(iterations: i32, a0: f32, b0: f32): f32 {
  const a = f32x4.splat(a0), b = f32x4.splat(b0);
  let x0 = f32x4.splat(0.1), x1 = f32x4.splat(0.2), x2 = f32x4.splat(0.3), x3 = f32x4.splat(0.4);
  let x4 = f32x4.splat(0.5), x5 = f32x4.splat(0.6), x6 = f32x4.splat(0.7), x7 = f32x4.splat(0.8);
  let x8 = f32x4.splat(0.9), x9 = f32x4.splat(1.0), x10 = f32x4.splat(1.1), x11 = f32x4.splat(1.2);
  for (let i = 0; i < iterations; i++) {
    x0 = f32x4.add(f32x4.mul(x0, a), b); x1 = f32x4.add(f32x4.mul(x1, a), b);
    x2 = f32x4.add(f32x4.mul(x2, a), b); x3 = f32x4.add(f32x4.mul(x3, a), b);
    x4 = f32x4.add(f32x4.mul(x4, a), b); x5 = f32x4.add(f32x4.mul(x5, a), b);
    x6 = f32x4.add(f32x4.mul(x6, a), b); x7 = f32x4.add(f32x4.mul(x7, a), b);
    x8 = f32x4.add(f32x4.mul(x8, a), b); x9 = f32x4.add(f32x4.mul(x9, a), b);
    x10 = f32x4.add(f32x4.mul(x10, a), b); x11 = f32x4.add(f32x4.mul(x11, a), b);
    x0 = f32x4.add(f32x4.mul(x0, a), b); x1 = f32x4.add(f32x4.mul(x1, a), b);
    x2 = f32x4.add(f32x4.mul(x2, a), b); x3 = f32x4.add(f32x4.mul(x3, a), b);
    x4 = f32x4.add(f32x4.mul(x4, a), b); x5 = f32x4.add(f32x4.mul(x5, a), b);
    x6 = f32x4.add(f32x4.mul(x6, a), b); x7 = f32x4.add(f32x4.mul(x7, a), b);
    x8 = f32x4.add(f32x4.mul(x8, a), b); x9 = f32x4.add(f32x4.mul(x9, a), b);
    x10 = f32x4.add(f32x4.mul(x10, a), b); x11 = f32x4.add(f32x4.mul(x11, a), b);
    x0 = f32x4.add(f32x4.mul(x0, a), b); x1 = f32x4.add(f32x4.mul(x1, a), b);
    x2 = f32x4.add(f32x4.mul(x2, a), b); x3 = f32x4.add(f32x4.mul(x3, a), b);
    x4 = f32x4.add(f32x4.mul(x4, a), b); x5 = f32x4.add(f32x4.mul(x5, a), b);
    x6 = f32x4.add(f32x4.mul(x6, a), b); x7 = f32x4.add(f32x4.mul(x7, a), b);
    x8 = f32x4.add(f32x4.mul(x8, a), b); x9 = f32x4.add(f32x4.mul(x9, a), b);
    x10 = f32x4.add(f32x4.mul(x10, a), b); x11 = f32x4.add(f32x4.mul(x11, a), b);
    x0 = f32x4.add(f32x4.mul(x0, a), b); x1 = f32x4.add(f32x4.mul(x1, a), b);
    x2 = f32x4.add(f32x4.mul(x2, a), b); x3 = f32x4.add(f32x4.mul(x3, a), b);
    x4 = f32x4.add(f32x4.mul(x4, a), b); x5 = f32x4.add(f32x4.mul(x5, a), b);
    x6 = f32x4.add(f32x4.mul(x6, a), b); x7 = f32x4.add(f32x4.mul(x7, a), b);
    x8 = f32x4.add(f32x4.mul(x8, a), b); x9 = f32x4.add(f32x4.mul(x9, a), b);
    x10 = f32x4.add(f32x4.mul(x10, a), b); x11 = f32x4.add(f32x4.mul(x11, a), b);
  }
  const s = f32x4.add(
    f32x4.add(f32x4.add(f32x4.add(x0, x1), f32x4.add(x2, x3)), f32x4.add(f32x4.add(x4, x5), f32x4.add(x6, x7))),
    f32x4.add(f32x4.add(x8, x9), f32x4.add(x10, x11)),
  );
  return f32x4.extract_lane(s, 0) + f32x4.extract_lane(s, 1) + f32x4.extract_lane(s, 2) + f32x4.extract_lane(s, 3);
}
