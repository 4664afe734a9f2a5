/**
 * The kernel module's exports, as TypeScript sees them (assembly/index.ts is the other side).
 * Pointers are byte offsets into the module's memory (see arena.ts). Argument order follows
 * llm.c: outputs, then inputs, then weights, then sizes, then the range this call covers.
 * A range (r0..r1 rows, c0..c1 columns, i0..i1 elements) lets threads split the output without
 * overlap; no kernel splits a reduction, so every output element has one fixed summation order.
 */
type Ptr = number;

export interface KernelExports {
  memory: WebAssembly.Memory;
  heap_base(): number;

  // f32-gemm: C[m×n] (+)= A·B over B packed in panels of 8 columns; gemm.ts builds the three layouts from these.
  /** Packs B stored k×n into panels [q0, q1) of 8 columns at w (zero-padded past n; gemm.ts packedFloats is the size). */
  f32_packb_kn_x8_wasmsimd(w: Ptr, b: Ptr, k: number, n: number, q0: number, q1: number): void;
  /** Packs B from its transpose, stored n×k, into panels [q0, q1) at w. */
  f32_packb_nk_x8_wasmsimd(w: Ptr, b: Ptr, k: number, n: number, q0: number, q1: number): void;
  /** A m×k, B packed at w; rows [r0, r1) of C (`accumulate` adds to C instead of overwriting it). */
  f32_gemm_nn_4x8_wasmsimd(c: Ptr, a: Ptr, w: Ptr, m: number, k: number, n: number, accumulate: boolean, r0: number, r1: number): void;
  /** out[cols×rows] = xᵀ, output rows [c0, c1). */
  f32_transpose_4x4_wasmsimd(out: Ptr, x: Ptr, rows: number, cols: number, c0: number, c1: number): void;

  // probe: the machine's wasm SIMD ceiling (bench only).
  F32_PEAK_FLOPS_PER_ITERATION: WebAssembly.Global;
  f32_peak_wasmsimd(iterations: number, a: number, b: number): number;

  // math: our own f64 exp/expm1/log/tanh (+ − × ÷ and bit operations only, so the same bits on every engine; a few ulp from Math.*).
  /** e^x; overflow → +∞, underflow → 0 (gradual through the subnormals). */
  f64_exp(x: number): number;
  /** e^x − 1, accurate near 0; keeps the sign of −0, x < −38 → −1. */
  f64_expm1(x: number): number;
  /** Natural logarithm; log(±0) = −∞, log(x < 0) = NaN. */
  f64_log(x: number): number;
  /** tanh(x), accurate near 0, ±1 for |x| ≥ 22. */
  f64_tanh(x: number): number;

  // f32-act: elementwise activations over elements [i0, i1), in f64 and rounded to f32 once; gradients are written, not accumulated.
  /** y = tanh(x); y may alias x. */
  f32_tanh_forward_scalar(y: Ptr, x: Ptr, i0: number, i1: number): void;
  /** dx = dy·(1 − y²) with y the forward output. */
  f32_tanh_backward_scalar(dx: Ptr, dy: Ptr, y: Ptr, i0: number, i1: number): void;
  /** y = ½x(1 + tanh(√(2/π)(x + 0.044715x³))), GPT-2's GELU; y may alias x. */
  f32_gelu_forward_scalar(y: Ptr, x: Ptr, i0: number, i1: number): void;
  /** dx = dy·gelu′(x), the analytic derivative of the tanh approximation. */
  f32_gelu_backward_scalar(dx: Ptr, dy: Ptr, x: Ptr, i0: number, i1: number): void;

  // f32-loss: fused loss + gradient for rows [r0, r1); rowLoss is f64[rows], targets i32[rows] class indices;
  // a gradient pointer of 0 means evaluation only; returns how many of the rows have argmax (first maximum) == target.
  /** rowLoss[i] = −log softmax(logits_i)[t_i] (in f64); dlogits = (softmax − onehot)·scale, rounded once. */
  f32_softmax_xent_scalar(dlogits: Ptr, rowLoss: Ptr, logits: Ptr, targets: Ptr, rows: number, cols: number, scale: number, r0: number, r1: number): number;
  /** rowLoss[i] = Σ_j (y_ij − onehot_ij)² (in f64); dy = 2(y − onehot)·scale, rounded once (scale 1/(rows·cols) = PyTorch's mean). */
  f32_mse_onehot_scalar(dy: Ptr, rowLoss: Ptr, y: Ptr, targets: Ptr, rows: number, cols: number, scale: number, r0: number, r1: number): number;

  // f32-bias: a linear layer's bias; forward split by rows, backward (a sum over rows) by columns.
  /** y[i,j] = x[i,j] + bias[j] for rows [r0, r1) of x[rows×cols]; y may alias x. */
  f32_bias_forward_wasmsimd(y: Ptr, x: Ptr, bias: Ptr, rows: number, cols: number, r0: number, r1: number): void;
  /** dbias[j] += Σ_i dy[i,j] for columns [c0, c1), rows summed in order 0..rows−1 in f32 (accumulated). */
  f32_bias_backward_wasmsimd(dbias: Ptr, dy: Ptr, rows: number, cols: number, c0: number, c1: number): void;

  // f32-act (wasmsimd): exact-rounding elementwise activations over [i0, i1); gradients are written, x is the input.
  /** y = x ≤ 0 ? +0 : x (NaN passes through); y may alias x. */
  f32_relu_forward_wasmsimd(y: Ptr, x: Ptr, i0: number, i1: number): void;
  /** dx = x > 0 ? dy : +0. */
  f32_relu_backward_wasmsimd(dx: Ptr, dy: Ptr, x: Ptr, i0: number, i1: number): void;
  /** y = x·x; y may alias x. */
  f32_square_forward_wasmsimd(y: Ptr, x: Ptr, i0: number, i1: number): void;
  /** dx = (x + x)·dy. */
  f32_square_backward_wasmsimd(dx: Ptr, dy: Ptr, x: Ptr, i0: number, i1: number): void;

  // f32-embedding: table vocab×dim, ids i32[rows]; forward split by rows, backward (a scatter-add) by columns.
  /** out[i,:] = table[ids[i],:] (+= with accumulate) for rows [r0, r1) of out[rows×dim]. */
  f32_embedding_forward_wasmsimd(out: Ptr, table: Ptr, ids: Ptr, rows: number, dim: number, accumulate: boolean, r0: number, r1: number): void;
  /** dtable[ids[i], c] += dout[i, c] for columns [c0, c1), rows i = 0..rows−1 in order (repeated ids accumulate). */
  f32_embedding_backward_wasmsimd(dtable: Ptr, dout: Ptr, ids: Ptr, rows: number, dim: number, c0: number, c1: number): void;

  // f32-reduce: whole-array reductions (never split) and accuracy counts.
  /** Σ x² over x[n], in f64 in a fixed order (8 partial sums, paired, then the tail in order). */
  f32_sumsq_wasmsimd(x: Ptr, n: number): number;
  /** How many rows in [r0, r1) have argmax(logits_i) (first maximum on ties) == targets[i] (i32). */
  f32_argmax_count_scalar(logits: Ptr, targets: Ptr, rows: number, cols: number, r0: number, r1: number): number;
  /** Σ x over f64 x[n], added in order from 0 (mean of per-row losses). */
  f64_sum_scalar(x: Ptr, n: number): number;

  // f32-optim: in-place optimiser steps over elements [i0, i1), f32 arithmetic with hyper-parameters rounded to f32 once.
  /** PyTorch SGD (coupled L2, dampening 0): g ← g + wd·p; v ← μ·v + g; p ← p − lr·v. velocity starts at 0; grads unchanged. */
  f32_sgd_momentum_wasmsimd(params: Ptr, grads: Ptr, velocity: Ptr, lr: number, momentum: number, weightDecay: number, i0: number, i1: number): void;
  /** PyTorch AdamW: p ← p(1 − lr·wd); m, v moments; p ← p − lr/(1 − β1^t)·m/(√v/√(1 − β2^t) + eps); step t ≥ 1 (β^t in f64 inside wasm). */
  f32_adamw_wasmsimd(params: Ptr, grads: Ptr, m: Ptr, v: Ptr, lr: number, beta1: number, beta2: number, eps: number, weightDecay: number, step: number, i0: number, i1: number): void;
  /** p ← p·f32(targetNorm/√sumSquares), sumSquares = Σ p² over all parameters (f32_sumsq_wasmsimd); no-op if sumSquares is 0. */
  f32_rescale_to_norm_wasmsimd(params: Ptr, sumSquares: number, targetNorm: number, i0: number, i1: number): void;

  // f32-attention: multi-head causal self-attention core, split by batch rows [r0, r1); C = heads·headDim, T = seqLen,
  // Tq = queryLen (1 ≤ Tq ≤ T): q, out, dq, dout are [batch, Tq, C] for the LAST Tq positions; k, v, dk, dv [batch, T, C];
  // probs f32 [batch, heads, Tq, T]. Head h uses columns h·headDim…(h+1)·headDim−1. Everything written, not accumulated.
  /** probs = softmax_s(q_t·k_s/√headDim) over s ≤ t (f64, our exp, rounded once; +0 where s > t), out = probs·v (f64 sums, rounded once). */
  f32_attention_forward_scalar(out: Ptr, probs: Ptr, q: Ptr, k: Ptr, v: Ptr, batch: number, seqLen: number, queryLen: number, heads: number, headDim: number, r0: number, r1: number): void;
  /** dv = probsᵀ·dout (f64, rounded once); g = p(dout·v − Σ p·dout·v)/√headDim in f64; dq = g·k, dk = gᵀ·q summed in f32 (one rounding per term, fixed order). */
  f32_attention_backward_scalar(dq: Ptr, dk: Ptr, dv: Ptr, dout: Ptr, probs: Ptr, q: Ptr, k: Ptr, v: Ptr, batch: number, seqLen: number, queryLen: number, heads: number, headDim: number, r0: number, r1: number): void;

  // f32-layernorm: LayerNorm over the last dimension of x[rows×dim] (eps inside the √, biased variance, as PyTorch);
  // mean and rstd are f32[rows] saved by the forward and used by both backward kernels; all arithmetic in f64, rounded once.
  /** mean, rstd computed in f64 and rounded; out = (x − mean)·rstd·gamma + beta from the rounded statistics; rows [r0, r1); out may alias x. */
  f32_layernorm_forward_scalar(out: Ptr, mean: Ptr, rstd: Ptr, x: Ptr, gamma: Ptr, beta: Ptr, rows: number, dim: number, eps: number, r0: number, r1: number): void;
  /** dx = rstd·(dout·gamma − mean(dout·gamma) − xhat·mean(dout·gamma·xhat)) for rows [r0, r1) (written); dx may alias dout. */
  f32_layernorm_backward_input_scalar(dx: Ptr, dout: Ptr, x: Ptr, mean: Ptr, rstd: Ptr, gamma: Ptr, rows: number, dim: number, r0: number, r1: number): void;
  /** dgamma[j] += Σ_i dout_ij·xhat_ij, dbeta[j] += Σ_i dout_ij for columns [c0, c1), rows summed in order in f64 (accumulated). */
  f32_layernorm_backward_params_scalar(dgamma: Ptr, dbeta: Ptr, dout: Ptr, x: Ptr, mean: Ptr, rstd: Ptr, rows: number, dim: number, c0: number, c1: number): void;

  // f32-vadd: residual connections.
  /** y[i] = a[i] + b[i] for i in [i0, i1); y may alias a or b. */
  f32_vadd_wasmsimd(y: Ptr, a: Ptr, b: Ptr, i0: number, i1: number): void;
}
