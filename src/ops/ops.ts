/**
 * The operations layers are written in, each defined once as its plan: which kernel, its typed
 * arguments, the output extent a thread pool may split, and the FLOPs it performs (see plan.ts).
 * `Ops` runs those plans on an executor: `new Ops(serialExecutor(kernels))` on this thread, a thread
 * pool's executor across threads. Pointers are byte offsets into the kernel module's memory.
 *
 * FLOPs count one per arithmetic operation of the formula as the kernel list writes it (exp, log,
 * tanh and √ count one each); they feed the run plan and the benchmarks' efficiency.
 */
import type { KernelExports, RangedKernel } from "../wasm/kernels.js";
export { F32_BYTES } from "../wasm/arena.js";
import { runGemm, type GemmLayout, type GemmWorkspace } from "./gemm.js";
import type { Activation, Loss } from "./kinds.js";
import { serialExecutor, split, whole, type Executor } from "./plan.js";



/** Elementwise cost estimate relative to a multiply-add (memory-bound), for the pool's threshold. */
const ELEMENTWISE_WORK = 16;

/** An activation's kernels and FLOPs per element (forward, backward), and which forward value the backward reads. */
const ACTIVATION_KERNELS: Record<Activation, { forward: RangedKernel; backward: RangedKernel; backwardReads: "x" | "y"; flops: [forward: number, backward: number] }> = {
  relu: { forward: "f32_relu_forward_wasmsimd", backward: "f32_relu_backward_wasmsimd", backwardReads: "x", flops: [1, 1] },
  square: { forward: "f32_square_forward_wasmsimd", backward: "f32_square_backward_wasmsimd", backwardReads: "x", flops: [1, 2] },
  // dy·(1 − y²): three operations from the forward output.
  tanh: { forward: "f32_tanh_forward_scalar", backward: "f32_tanh_backward_scalar", backwardReads: "y", flops: [1, 3] },
  // ½x(1 + tanh(√(2/π)(x + 0.044715x³))) and its analytic derivative (GPT-2's GELU).
  gelu: { forward: "f32_gelu_forward_scalar", backward: "f32_gelu_backward_scalar", backwardReads: "x", flops: [9, 16] },
};

/** Per element of a row: the loss's FLOPs without and with the gradient (softmax: max, subtract, exp, sum; MSE: subtract, square, sum). */
const LOSS_FLOPS: Record<Loss, [evaluation: number, training: number]> = { "cross-entropy": [4, 6], mse: [3, 5] };

export class Ops {
  constructor(readonly executor: Executor) {}

  /** C[m×n] (+)= A·B (nn), Aᵀ·B (tn, A stored k×m) or A·Bᵀ (nt, B stored n×k); operands are copied into `workspace` on the way. */
  gemm(layout: GemmLayout, c: number, a: number, b: number, m: number, k: number, n: number, accumulate: boolean, workspace: GemmWorkspace): void {
    runGemm(this.executor, layout, c, a, b, m, k, n, accumulate, workspace);
  }

  biasForward(y: number, x: number, bias: number, rows: number, cols: number): void {
    this.executor.run(split("f32_bias_forward_wasmsimd", [y, x, bias, rows, cols], rows, 1, rows * cols, rows * cols * ELEMENTWISE_WORK));
  }

  /** dbias += column sums of dy: split by columns, each column's sum over rows stays whole. */
  biasBackward(dbias: number, dy: number, rows: number, cols: number): void {
    this.executor.run(split("f32_bias_backward_wasmsimd", [dbias, dy, rows, cols], cols, 4, rows * cols, rows * cols * ELEMENTWISE_WORK));
  }

  activationForward(kind: Activation, y: number, x: number, n: number): void {
    const a = ACTIVATION_KERNELS[kind];
    this.executor.run(split(a.forward, [y, x], n, 4, n * a.flops[0], n * ELEMENTWISE_WORK));
  }

  /** dx = dy·f′, from the layer's input x or output y (whichever the activation's derivative reads). */
  activationBackward(kind: Activation, dx: number, dy: number, x: number, y: number, n: number): void {
    const a = ACTIVATION_KERNELS[kind];
    this.executor.run(split(a.backward, [dx, dy, a.backwardReads === "x" ? x : y], n, 4, n * a.flops[1], n * ELEMENTWISE_WORK));
  }

  embeddingForward(out: number, table: number, ids: number, rows: number, dim: number, accumulate: boolean): void {
    this.executor.run(split("f32_embedding_forward_wasmsimd", [out, table, ids, rows, dim, accumulate], rows, 1, accumulate ? rows * dim : 0, rows * dim * ELEMENTWISE_WORK));
  }

  /** dtable[ids[i]] += dout[i]: split by columns, so repeated ids accumulate in row order on one thread. */
  embeddingBackward(dtable: number, dout: number, ids: number, rows: number, dim: number): void {
    this.executor.run(split("f32_embedding_backward_wasmsimd", [dtable, dout, ids, rows, dim], dim, 4, rows * dim, rows * dim * ELEMENTWISE_WORK));
  }

  /** Fused loss and gradient (dlogits 0: evaluation only); per-row losses into rowLoss (f64); returns the correct count. */
  loss(kind: Loss, dlogits: number, rowLoss: number, logits: number, targets: number, rows: number, cols: number, scale: number): number {
    const kernel = kind === "cross-entropy" ? "f32_softmax_xent_wasmsimd" : "f32_mse_onehot_scalar";
    const flops = rows * cols * LOSS_FLOPS[kind][dlogits === 0 ? 0 : 1];
    return this.executor.run(split(kernel, [dlogits, rowLoss, logits, targets, rows, cols, scale], rows, 1, flops, rows * cols * 64));
  }

  /** Σ x² in f64, in one fixed order (never split). */
  sumSquares(x: number, n: number): number {
    return this.executor.runWhole(whole("f32_sumsq_wasmsimd", [x, n], 2 * n));
  }

  /** Σ of an f64 array, in order (never split). */
  sumF64(x: number, n: number): number {
    return this.executor.runWhole(whole("f64_sum_scalar", [x, n], n));
  }

  /** torch.optim.AdamW: 14 operations per parameter (decay, two moments, bias corrections, update). */
  adamw(params: number, grads: number, m: number, v: number, lr: number, beta1: number, beta2: number, eps: number, weightDecay: number, step: number, n: number): void {
    this.executor.run(split("f32_adamw_wasmsimd", [params, grads, m, v, lr, beta1, beta2, eps, weightDecay, step], n, 4, 14 * n, n * ELEMENTWISE_WORK));
  }

  /** torch.optim.SGD with momentum and coupled weight decay: 6 operations per parameter. */
  sgd(params: number, grads: number, velocity: number, lr: number, momentum: number, weightDecay: number, n: number): void {
    this.executor.run(split("f32_sgd_momentum_wasmsimd", [params, grads, velocity, lr, momentum, weightDecay], n, 4, 6 * n, n * ELEMENTWISE_WORK));
  }

  rescaleToNorm(params: number, sumSquares: number, targetNorm: number, n: number): void {
    this.executor.run(split("f32_rescale_to_norm_wasmsimd", [params, sumSquares, targetNorm], n, 4, n, n * ELEMENTWISE_WORK));
  }

  /** y = a + b over n elements (residual connections); y may alias a or b. */
  add(y: number, a: number, b: number, n: number): void {
    this.executor.run(split("f32_vadd_wasmsimd", [y, a, b], n, 4, n, n * ELEMENTWISE_WORK));
  }

  layerNormForward(out: number, mean: number, rstd: number, x: number, gamma: number, beta: number, rows: number, dim: number, eps: number): void {
    this.executor.run(split("f32_layernorm_forward_scalar", [out, mean, rstd, x, gamma, beta, rows, dim, eps], rows, 1, 8 * rows * dim, rows * dim * ELEMENTWISE_WORK));
  }

  /** dx = LayerNorm's input gradient (written). */
  layerNormBackwardInput(dx: number, dout: number, x: number, mean: number, rstd: number, gamma: number, rows: number, dim: number): void {
    this.executor.run(split("f32_layernorm_backward_input_scalar", [dx, dout, x, mean, rstd, gamma, rows, dim], rows, 1, 9 * rows * dim, rows * dim * ELEMENTWISE_WORK));
  }

  /** dgamma, dbeta += their gradients: split by columns, the sums over rows stay whole. */
  layerNormBackwardParams(dgamma: number, dbeta: number, dout: number, x: number, mean: number, rstd: number, rows: number, dim: number): void {
    this.executor.run(split("f32_layernorm_backward_params_scalar", [dgamma, dbeta, dout, x, mean, rstd, rows, dim], dim, 1, 4 * rows * dim, rows * dim * ELEMENTWISE_WORK));
  }

  /** Causal multi-head attention for the last queryLen positions; probs saved for backward. */
  attentionForward(out: number, probs: number, q: number, k: number, v: number, batch: number, seqLen: number, queryLen: number, heads: number, headDim: number): void {
    // Per causal (query, key) pair and head: q·k and p·v (2·headDim each), and the softmax (3).
    const flops = batch * heads * causalPairs(seqLen, queryLen) * (4 * headDim + 3);
    this.executor.run(split("f32_attention_forward_scalar", [out, probs, q, k, v, batch, seqLen, queryLen, heads, headDim], batch, 1, flops, batch * heads * queryLen * seqLen * headDim * 4));
  }

  /** dq, dk, dv written. */
  attentionBackward(dq: number, dk: number, dv: number, dout: number, probs: number, q: number, k: number, v: number, batch: number, seqLen: number, queryLen: number, heads: number, headDim: number): void {
    // Per causal pair and head: dv, dout·v, dq and dk (2·headDim each), and the softmax's gradient (3).
    const flops = batch * heads * causalPairs(seqLen, queryLen) * (8 * headDim + 3);
    this.executor.run(split("f32_attention_backward_scalar", [dq, dk, dv, dout, probs, q, k, v, batch, seqLen, queryLen, heads, headDim], batch, 1, flops, batch * heads * queryLen * seqLen * headDim * 8));
  }

  /** Zeroes n f32 values (on this thread: memory traffic, no kernel). */
  zero(ptr: number, n: number): void {
    this.executor.zero(ptr, n);
  }

  /** Copies n f32 values (on this thread). */
  copy(dst: number, src: number, n: number): void {
    this.executor.copy(dst, src, n);
  }
}

/** Ops on the calling thread. */
export const serialOps = (kernels: KernelExports): Ops => new Ops(serialExecutor(kernels));

/** (query, key) pairs a causal mask keeps when the last `queryLen` of `seqLen` positions query: Σ_{t=T−Tq}^{T−1} (t + 1). */
export function causalPairs(seqLen: number, queryLen: number): number {
  return (queryLen * (2 * seqLen - queryLen + 1)) / 2;
}
