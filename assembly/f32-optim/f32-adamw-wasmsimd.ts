// AdamW (Loshchilov & Hutter 2019, decoupled weight decay) as torch.optim.AdamW computes it:
//   p ← p·(1 − lr·wd)
//   m ← β1·m + (1 − β1)·g
//   v ← β2·v + (1 − β2)·g²
//   p ← p − (lr / (1 − β1^t))·m / (sqrt(v) / sqrt(1 − β2^t) + eps)
// which is p − lr·m̂/(sqrt(v̂) + eps) with m̂ = m/(1 − β1^t), v̂ = v/(1 − β2^t), rearranged as PyTorch
// does so the bias corrections are per-step scalars. Those scalars are computed in f64 here, in
// wasm (β^t by exponentiation by squaring: a fixed sequence of IEEE multiplies, unlike the host's
// Math.pow whose result varies between engines), and each rounded to f32 once. The per-element
// update is f32, the same operations in the same order in the f32x4 body and the scalar tail:
//   p  = p·decay
//   m  = b1·m + c1·g                    (b1 = f32(β1), c1 = f32(1 − β1))
//   v  = b2·v + c2·(g·g)                (b2 = f32(β2), c2 = f32(1 − β2))
//   p  = p − stepSize·(m / (sqrt(v) / bc2Sqrt + eps))

import { F32 } from "../sizes";
/** base^n for n ≥ 0 by exponentiation by squaring: the same multiplies, hence the same bits, everywhere. */
// @ts-ignore: decorator
@inline
function powi(base: f64, n: i32): f64 {
  let result: f64 = 1;
  let x = base;
  while (n > 0) {
    if (n & 1) result *= x;
    x *= x;
    n >>= 1;
  }
  return result;
}

/**
 * One AdamW step (step = t ≥ 1, the number of this update) for elements [i0, i1): updates params,
 * m and v in place (m and v start at 0). grads is read only.
 */
export function f32_adamw_wasmsimd(params: usize, grads: usize, m: usize, v: usize, lr: f64, beta1: f64, beta2: f64, eps: f64, weightDecay: f64, step: i32, i0: i32, i1: i32): void {
  const decay = <f32>(1 - lr * weightDecay);
  const b1 = <f32>beta1, c1 = <f32>(1 - beta1);
  const b2 = <f32>beta2, c2 = <f32>(1 - beta2);
  const stepSize = <f32>(lr / (1 - powi(beta1, step)));
  const bc2Sqrt = <f32>sqrt<f64>(1 - powi(beta2, step));
  const epsf = <f32>eps;

  const decay4 = f32x4.splat(decay);
  const b14 = f32x4.splat(b1), c14 = f32x4.splat(c1);
  const b24 = f32x4.splat(b2), c24 = f32x4.splat(c2);
  const step4 = f32x4.splat(stepSize), bc24 = f32x4.splat(bc2Sqrt), eps4 = f32x4.splat(epsf);
  let i = i0;
  for (; i + 4 <= i1; i += 4) {
    const o = <usize>i * F32;
    const g = v128.load(grads + o);
    const p = f32x4.mul(v128.load(params + o), decay4);
    const mi = f32x4.add(f32x4.mul(b14, v128.load(m + o)), f32x4.mul(c14, g));
    const vi = f32x4.add(f32x4.mul(b24, v128.load(v + o)), f32x4.mul(c24, f32x4.mul(g, g)));
    const denom = f32x4.add(f32x4.div(f32x4.sqrt(vi), bc24), eps4);
    v128.store(m + o, mi);
    v128.store(v + o, vi);
    v128.store(params + o, f32x4.sub(p, f32x4.mul(step4, f32x4.div(mi, denom))));
  }
  for (; i < i1; i++) {
    const o = <usize>i * F32;
    const g = load<f32>(grads + o);
    const p = load<f32>(params + o) * decay;
    const mi = b1 * load<f32>(m + o) + c1 * g;
    const vi = b2 * load<f32>(v + o) + c2 * (g * g);
    const denom = sqrt<f32>(vi) / bc2Sqrt + epsf;
    store<f32>(m + o, mi);
    store<f32>(v + o, vi);
    store<f32>(params + o, p - stepSize * (mi / denom));
  }
}
