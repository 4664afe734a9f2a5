// SGD with momentum and coupled L2 weight decay, PyTorch's torch.optim.SGD (dampening 0, no Nesterov):
//   g ← g + wd·p;  v ← μ·v + g;  p ← p − lr·v
// per element over [i0, i1), in f32 with the hyper-parameters rounded to f32 once. With v starting
// at 0 the first step gives v = g, as PyTorch's clone of the first gradient does. grads is read
// only (the decayed gradient is not written back). Each element gets the same five rounded f32
// operations in the f32x4 body and the scalar tail, so any split of the range gives the same bits.

import { F32 } from "../sizes";
/** One SGD step for elements [i0, i1): updates params and velocity in place. */
export function f32_sgd_momentum_wasmsimd(params: usize, grads: usize, velocity: usize, lr: f64, momentum: f64, weightDecay: f64, i0: i32, i1: i32): void {
  const lrf = <f32>lr, mu = <f32>momentum, wd = <f32>weightDecay;
  const lr4 = f32x4.splat(lrf), mu4 = f32x4.splat(mu), wd4 = f32x4.splat(wd);
  let i = i0;
  for (; i + 4 <= i1; i += 4) {
    const o = <usize>i * F32;
    const p = v128.load(params + o);
    const g = f32x4.add(v128.load(grads + o), f32x4.mul(wd4, p));
    const v = f32x4.add(f32x4.mul(mu4, v128.load(velocity + o)), g);
    v128.store(velocity + o, v);
    v128.store(params + o, f32x4.sub(p, f32x4.mul(lr4, v)));
  }
  for (; i < i1; i++) {
    const o = <usize>i * F32;
    const p = load<f32>(params + o);
    const g = load<f32>(grads + o) + wd * p;
    const v = mu * load<f32>(velocity + o) + g;
    store<f32>(velocity + o, v);
    store<f32>(params + o, p - lrf * v);
  }
}
