// Rescales parameters to a fixed total L2 norm (Omnigrok's constrained-norm runs): after each
// optimiser step the caller computes sumSquares = Σ p² over all parameter tensors with
// f32_sumsq_wasmsimd, then calls this on every tensor. The factor targetNorm / sqrt(sumSquares) is
// computed in f64 (sqrt is exact IEEE) and rounded to f32 once, then each element is one f32
// multiply, in the f32x4 body and in the scalar tail alike.

import { F32 } from "../sizes";
/**
 * params[i] ← params[i]·f32(targetNorm / sqrt(sumSquares)) for i in [i0, i1). A zero (or NaN)
 * sumSquares has no direction to rescale and leaves params unchanged.
 */
export function f32_rescale_to_norm_wasmsimd(params: usize, sumSquares: f64, targetNorm: f64, i0: i32, i1: i32): void {
  if (!(sumSquares > 0)) return;
  const s = <f32>(targetNorm / sqrt<f64>(sumSquares));
  const s4 = f32x4.splat(s);
  let i = i0;
  for (; i + 4 <= i1; i += 4) {
    const o = <usize>i * F32;
    v128.store(params + o, f32x4.mul(v128.load(params + o), s4));
  }
  for (; i < i1; i++) {
    const o = <usize>i * F32;
    store<f32>(params + o, load<f32>(params + o) * s);
  }
}
