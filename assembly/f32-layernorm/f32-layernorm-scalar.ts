// Layer normalisation over the last dimension (Ba, Kiros & Hinton 2016), eps inside the square
// root as in PyTorch's nn.LayerNorm, with the biased (1/dim) variance:
//   mean_i = (Σ_j x_ij) / dim,  var_i = (Σ_j (x_ij − mean_i)²) / dim,  rstd_i = 1/√(var_i + eps)
//   xhat_ij = (x_ij − mean_i)·rstd_i,  out_ij = xhat_ij·gamma_j + beta_j
//
// Statistics are computed in f64 (two passes over the row, sums in order j = 0…dim−1; the second pass
// around the f64 mean, so no cancellation), then rounded to f32 and saved, llm.c style. Everything
// downstream — out here, dx, dgamma and dbeta in the backward kernels — uses the SAVED f32 mean and
// rstd, widened to f64, through the one expression xhat = (x − mean)·rstd, so forward and backward
// see the same xhat bit for bit. (Rounding the mean shifts xhat by at most 2⁻²⁴·|mean|·rstd; for
// activations whose mean is not huge against their spread this is below f32 resolution of out.)
// Every output element is then formed in f64 and rounded to f32 once.
//
// Forward and backward_input are split by rows (each row is independent); backward_params sums over
// rows, so it is split by columns, each column always summed over rows 0…rows−1 in order.

import { F32 } from "../sizes";
/** xhat = (x − mean)·rstd in f64: the one expression all three kernels use. */
// @ts-ignore: decorator
@inline
function normalized(x: f32, mean: f64, rstd: f64): f64 {
  return (<f64>x - mean) * rstd;
}

/**
 * For rows i in [r0, r1) of x[rows×dim]: mean[i], rstd[i] (f32[rows], saved for the backward) as
 * above, computed in f64 and rounded once; out[i, j] = f32(xhat_ij·gamma_j + beta_j) in f64 from the
 * rounded statistics. eps is used as given (f64). out may alias x.
 */
export function f32_layernorm_forward_scalar(out: usize, mean: usize, rstd: usize, x: usize, gamma: usize, beta: usize, rows: i32, dim: i32, eps: f64, r0: i32, r1: i32): void {
  const ld = <usize>dim * F32;
  for (let i = r0; i < r1; i++) {
    const xi = x + <usize>i * ld, oi = out + <usize>i * ld;
    let sum: f64 = 0;
    for (let j = 0; j < dim; j++) sum += <f64>load<f32>(xi + <usize>j * F32);
    const m = sum / <f64>dim;
    let ss: f64 = 0;
    for (let j = 0; j < dim; j++) {
      const c = <f64>load<f32>(xi + <usize>j * F32) - m;
      ss += c * c;
    }
    const r = 1 / sqrt<f64>(ss / <f64>dim + eps);
    const m32 = <f32>m, r32 = <f32>r;
    store<f32>(mean + <usize>i * F32, m32);
    store<f32>(rstd + <usize>i * F32, r32);
    const mw = <f64>m32, rw = <f64>r32;
    for (let j = 0; j < dim; j++) {
      const o = <usize>j * F32;
      const xhat = normalized(load<f32>(xi + o), mw, rw);
      store<f32>(oi + o, <f32>(xhat * <f64>load<f32>(gamma + o) + <f64>load<f32>(beta + o)));
    }
  }
}

/**
 * dx[i, j] for rows i in [r0, r1), written (not accumulated), from the saved mean and rstd:
 *   dxhat_j = dout_ij·gamma_j,  A = Σ_j dxhat_j,  B = Σ_j dxhat_j·xhat_ij  (one pass, j in order, f64)
 *   dx_ij = f32(rstd_i·((dxhat_j − A/dim) − xhat_ij·(B/dim)))
 * dx may alias dout.
 */
export function f32_layernorm_backward_input_scalar(dx: usize, dout: usize, x: usize, mean: usize, rstd: usize, gamma: usize, rows: i32, dim: i32, r0: i32, r1: i32): void {
  const ld = <usize>dim * F32;
  const n = <f64>dim;
  for (let i = r0; i < r1; i++) {
    const xi = x + <usize>i * ld, gi = dout + <usize>i * ld, di = dx + <usize>i * ld;
    const m = <f64>load<f32>(mean + <usize>i * F32), r = <f64>load<f32>(rstd + <usize>i * F32);
    let a: f64 = 0, b: f64 = 0;
    for (let j = 0; j < dim; j++) {
      const o = <usize>j * F32;
      const dxhat = <f64>load<f32>(gi + o) * <f64>load<f32>(gamma + o);
      a += dxhat;
      b += dxhat * normalized(load<f32>(xi + o), m, r);
    }
    const meanA = a / n, meanB = b / n;
    for (let j = 0; j < dim; j++) {
      const o = <usize>j * F32;
      const dxhat = <f64>load<f32>(gi + o) * <f64>load<f32>(gamma + o);
      const xhat = normalized(load<f32>(xi + o), m, r);
      store<f32>(di + o, <f32>(r * ((dxhat - meanA) - xhat * meanB)));
    }
  }
}

/**
 * For columns j in [c0, c1): dgamma[j] += Σ_i dout_ij·xhat_ij and dbeta[j] += Σ_i dout_ij
 * (accumulated: the caller zeroes gradients). Per column both sums start at 0 and run over rows
 * i = 0…rows−1 in order in f64; then dgamma[j] = f32(dgamma[j] + sum), likewise dbeta (one rounding).
 */
export function f32_layernorm_backward_params_scalar(dgamma: usize, dbeta: usize, dout: usize, x: usize, mean: usize, rstd: usize, rows: i32, dim: i32, c0: i32, c1: i32): void {
  const ld = <usize>dim * F32;
  for (let j = c0; j < c1; j++) {
    const o = <usize>j * F32;
    let sg: f64 = 0, sb: f64 = 0;
    for (let i = 0; i < rows; i++) {
      const e = <usize>i * ld + o;
      const g = <f64>load<f32>(dout + e);
      const m = <f64>load<f32>(mean + <usize>i * F32), r = <f64>load<f32>(rstd + <usize>i * F32);
      sg += g * normalized(load<f32>(x + e), m, r);
      sb += g;
    }
    store<f32>(dgamma + o, <f32>(<f64>load<f32>(dgamma + o) + sg));
    store<f32>(dbeta + o, <f32>(<f64>load<f32>(dbeta + o) + sb));
  }
}
