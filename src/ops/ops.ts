/**
 * The operations layers are written in. `SerialOps` runs each kernel over its whole range on one
 * thread; the thread pool provides the same interface and splits the ranges. Pointers are byte
 * offsets into the kernel module's memory.
 */
import { gemm, type GemmLayout, type GemmWorkspace } from "./gemm.js";
import type { KernelExports } from "../wasm/kernels.js";
import type { Activation } from "../config/run-config.js";

export interface Ops {
  readonly kernels: KernelExports;
  /** C[m×n] (+)= A·B (nn), Aᵀ·B (tn, A stored k×m) or A·Bᵀ (nt, B stored n×k); operands are copied into `workspace` on the way. */
  gemm(layout: GemmLayout, c: number, a: number, b: number, m: number, k: number, n: number, accumulate: boolean, workspace: GemmWorkspace): void;
  biasForward(y: number, x: number, bias: number, rows: number, cols: number): void;
  /** dbias += column sums of dy. */
  biasBackward(dbias: number, dy: number, rows: number, cols: number): void;
  activationForward(kind: Activation, y: number, x: number, n: number): void;
  /** dx = dy·f′, from the layer's input x and output y. */
  activationBackward(kind: Activation, dx: number, dy: number, x: number, y: number, n: number): void;
  embeddingForward(out: number, table: number, ids: number, rows: number, dim: number, accumulate: boolean): void;
  /** dtable[ids[i]] += dout[i]. */
  embeddingBackward(dtable: number, dout: number, ids: number, rows: number, dim: number): void;
  /** Fused loss and gradient (dlogits 0: evaluation only); per-row losses into rowLoss (f64); returns the correct count. */
  loss(kind: "cross-entropy" | "mse", dlogits: number, rowLoss: number, logits: number, targets: number, rows: number, cols: number, scale: number): number;
  /** Σ x² in f64, fixed order. */
  sumSquares(x: number, n: number): number;
  /** Σ of an f64 array, in order. */
  sumF64(x: number, n: number): number;
  adamw(params: number, grads: number, m: number, v: number, lr: number, beta1: number, beta2: number, eps: number, weightDecay: number, step: number, n: number): void;
  sgd(params: number, grads: number, velocity: number, lr: number, momentum: number, weightDecay: number, n: number): void;
  rescaleToNorm(params: number, sumSquares: number, targetNorm: number, n: number): void;
  /** y = a + b over n elements (residual connections); y may alias a or b. */
  add(y: number, a: number, b: number, n: number): void;
  layerNormForward(out: number, mean: number, rstd: number, x: number, gamma: number, beta: number, rows: number, dim: number, eps: number): void;
  /** dx = LayerNorm's input gradient (written). */
  layerNormBackwardInput(dx: number, dout: number, x: number, mean: number, rstd: number, gamma: number, rows: number, dim: number): void;
  /** dgamma, dbeta += their gradients. */
  layerNormBackwardParams(dgamma: number, dbeta: number, dout: number, x: number, mean: number, rstd: number, rows: number, dim: number): void;
  /** Causal multi-head attention for the last queryLen positions; probs saved for backward. */
  attentionForward(out: number, probs: number, q: number, k: number, v: number, batch: number, seqLen: number, queryLen: number, heads: number, headDim: number): void;
  /** dq, dk, dv written. */
  attentionBackward(dq: number, dk: number, dv: number, dout: number, probs: number, q: number, k: number, v: number, batch: number, seqLen: number, queryLen: number, heads: number, headDim: number): void;
  /** Zeroes n f32 values. */
  zero(ptr: number, n: number): void;
  /** Copies n f32 values. */
  copy(dst: number, src: number, n: number): void;
}

export class SerialOps implements Ops {
  constructor(readonly kernels: KernelExports) {}

  gemm(layout: GemmLayout, c: number, a: number, b: number, m: number, k: number, n: number, accumulate: boolean, workspace: GemmWorkspace): void {
    gemm(this.kernels, layout, c, a, b, m, k, n, accumulate, workspace);
  }

  biasForward(y: number, x: number, bias: number, rows: number, cols: number): void {
    this.kernels.f32_bias_forward_wasmsimd(y, x, bias, rows, cols, 0, rows);
  }

  biasBackward(dbias: number, dy: number, rows: number, cols: number): void {
    this.kernels.f32_bias_backward_wasmsimd(dbias, dy, rows, cols, 0, cols);
  }

  activationForward(kind: Activation, y: number, x: number, n: number): void {
    const K = this.kernels;
    const run = { relu: K.f32_relu_forward_wasmsimd, square: K.f32_square_forward_wasmsimd, tanh: K.f32_tanh_forward_scalar, gelu: K.f32_gelu_forward_scalar }[kind];
    run(y, x, 0, n);
  }

  activationBackward(kind: Activation, dx: number, dy: number, x: number, y: number, n: number): void {
    const K = this.kernels;
    if (kind === "relu") K.f32_relu_backward_wasmsimd(dx, dy, x, 0, n);
    else if (kind === "square") K.f32_square_backward_wasmsimd(dx, dy, x, 0, n);
    else if (kind === "tanh") K.f32_tanh_backward_scalar(dx, dy, y, 0, n);
    else K.f32_gelu_backward_scalar(dx, dy, x, 0, n);
  }

  embeddingForward(out: number, table: number, ids: number, rows: number, dim: number, accumulate: boolean): void {
    this.kernels.f32_embedding_forward_wasmsimd(out, table, ids, rows, dim, accumulate, 0, rows);
  }

  embeddingBackward(dtable: number, dout: number, ids: number, rows: number, dim: number): void {
    this.kernels.f32_embedding_backward_wasmsimd(dtable, dout, ids, rows, dim, 0, dim);
  }

  loss(kind: "cross-entropy" | "mse", dlogits: number, rowLoss: number, logits: number, targets: number, rows: number, cols: number, scale: number): number {
    const run = kind === "cross-entropy" ? this.kernels.f32_softmax_xent_scalar : this.kernels.f32_mse_onehot_scalar;
    return run(dlogits, rowLoss, logits, targets, rows, cols, scale, 0, rows);
  }

  sumSquares(x: number, n: number): number {
    return this.kernels.f32_sumsq_wasmsimd(x, n);
  }

  sumF64(x: number, n: number): number {
    return this.kernels.f64_sum_scalar(x, n);
  }

  adamw(params: number, grads: number, m: number, v: number, lr: number, beta1: number, beta2: number, eps: number, weightDecay: number, step: number, n: number): void {
    this.kernels.f32_adamw_wasmsimd(params, grads, m, v, lr, beta1, beta2, eps, weightDecay, step, 0, n);
  }

  sgd(params: number, grads: number, velocity: number, lr: number, momentum: number, weightDecay: number, n: number): void {
    this.kernels.f32_sgd_momentum_wasmsimd(params, grads, velocity, lr, momentum, weightDecay, 0, n);
  }

  rescaleToNorm(params: number, sumSquares: number, targetNorm: number, n: number): void {
    this.kernels.f32_rescale_to_norm_wasmsimd(params, sumSquares, targetNorm, 0, n);
  }

  add(y: number, a: number, b: number, n: number): void {
    this.kernels.f32_vadd_wasmsimd(y, a, b, 0, n);
  }

  layerNormForward(out: number, mean: number, rstd: number, x: number, gamma: number, beta: number, rows: number, dim: number, eps: number): void {
    this.kernels.f32_layernorm_forward_scalar(out, mean, rstd, x, gamma, beta, rows, dim, eps, 0, rows);
  }

  layerNormBackwardInput(dx: number, dout: number, x: number, mean: number, rstd: number, gamma: number, rows: number, dim: number): void {
    this.kernels.f32_layernorm_backward_input_scalar(dx, dout, x, mean, rstd, gamma, rows, dim, 0, rows);
  }

  layerNormBackwardParams(dgamma: number, dbeta: number, dout: number, x: number, mean: number, rstd: number, rows: number, dim: number): void {
    this.kernels.f32_layernorm_backward_params_scalar(dgamma, dbeta, dout, x, mean, rstd, rows, dim, 0, dim);
  }

  attentionForward(out: number, probs: number, q: number, k: number, v: number, batch: number, seqLen: number, queryLen: number, heads: number, headDim: number): void {
    this.kernels.f32_attention_forward_scalar(out, probs, q, k, v, batch, seqLen, queryLen, heads, headDim, 0, batch);
  }

  attentionBackward(dq: number, dk: number, dv: number, dout: number, probs: number, q: number, k: number, v: number, batch: number, seqLen: number, queryLen: number, heads: number, headDim: number): void {
    this.kernels.f32_attention_backward_scalar(dq, dk, dv, dout, probs, q, k, v, batch, seqLen, queryLen, heads, headDim, 0, batch);
  }

  zero(ptr: number, n: number): void {
    new Float32Array(this.kernels.memory.buffer, ptr, n).fill(0);
  }

  copy(dst: number, src: number, n: number): void {
    new Float32Array(this.kernels.memory.buffer).copyWithin(dst / 4, src / 4, src / 4 + n);
  }
}
