/**
 * The one kernel list: every function the kernel builds export, with its parameters in order.
 * The TypeScript interface (`KernelExports`), the thread pool's kernel indices, the cross-build
 * identity cases and the benchmark rows all come from this list, and tests/wasm/kernel-list.test.ts
 * checks it against assembly/ (the sources' parameter names) and both builds (names and counts).
 *
 * Pointers are byte offsets into the module's memory (see arena.ts). Argument order follows llm.c:
 * outputs, then inputs, then weights, then sizes. A kernel with a `range` takes two more arguments,
 * [start, end) of that output dimension, so threads can split its output without overlap; no kernel's
 * range runs along a reduction, so every output element has one fixed summation order. A kernel
 * without a range (a whole-array reduction, a math function) always runs whole, on one thread.
 *
 * Parameters named `…:bool` are booleans; every other parameter is a number (i32, f32 or f64 in wasm).
 */

/** The output dimension a kernel's range runs along. */
export type RangeAlong = "rows" | "columns" | "elements" | "panels";

export interface KernelSpec {
  readonly params: readonly string[];
  /** The output dimension [start, end) splits, or null: the kernel always runs whole. */
  readonly range: RangeAlong | null;
  /** `count`: an integer the slices of a split call add up to; `f64`: a value (unsplit kernels only). */
  readonly returns: "void" | "count" | "f64";
  /** Dominates a training step's time (the matmuls, the optimizer): bench:kernels gives it a row. */
  readonly hot?: true;
}

function ranged<const R extends RangeAlong, const P extends readonly string[], const T extends "void" | "count" = "void">(range: R, params: P, returns?: T, hot?: true) {
  return { params, range, returns: (returns ?? "void") as T, ...(hot ? { hot } : {}) };
}
function whole<const P extends readonly string[]>(params: P) {
  return { params, range: null, returns: "f64" as const };
}

export const KERNELS = {
  // f32-gemm: C[m×n] (+)= A·B over B packed in panels of 8 columns; src/ops/gemm.ts builds the three layouts from these.
  /** Packs B stored k×n into panels [q0, q1) of 8 columns at w (zero-padded past n; gemm.ts packedFloats is the size). */
  f32_packb_kn_x8_wasmsimd: ranged("panels", ["w", "b", "k", "n"], "void", true),
  /** Packs B from its transpose, stored n×k, into panels [q0, q1) at w. */
  f32_packb_nk_x8_wasmsimd: ranged("panels", ["w", "b", "k", "n"], "void", true),
  /** A m×k, B packed at w; rows [r0, r1) of C (`accumulate` adds to C instead of overwriting it); writes its 4-row A blocks past the panels (gemm.ts blockFloats). */
  f32_gemm_nn_4x8_wasmsimd: ranged("rows", ["c", "a", "w", "m", "k", "n", "accumulate:bool"], "void", true),
  /** The same with A stored k×m, multiplied as Aᵀ (read in place, no transposed copy). */
  f32_gemm_tn_4x8_wasmsimd: ranged("rows", ["c", "a", "w", "m", "k", "n", "accumulate:bool"], "void", true),

  // probe: the machine's wasm SIMD ceiling (benchmarks only): `iterations` of independent f32x4 mul+add chains.
  f32_peak_wasmsimd: whole(["iterations", "a0", "b0"]),

  // math: our own f64 exp/expm1/log/tanh (+ − × ÷ and bit operations only, so the same bits on every engine; a few ulp from Math.*).
  /** e^x; overflow → +∞, underflow → 0 (gradual through the subnormals). */
  f64_exp: whole(["x"]),
  /** e^x − 1, accurate near 0; keeps the sign of −0, x < −38 → −1. */
  f64_expm1: whole(["x"]),
  /** Natural logarithm; log(±0) = −∞, log(x < 0) = NaN. */
  f64_log: whole(["x"]),
  /** tanh(x), accurate near 0, ±1 for |x| ≥ 22. */
  f64_tanh: whole(["x"]),

  // f32-act: elementwise activations over elements [i0, i1); gradients are written, not accumulated.
  // The scalar ones compute in f64 and round to f32 once; the wasmsimd ones are exact in f32.
  /** y = tanh(x); y may alias x. */
  f32_tanh_forward_scalar: ranged("elements", ["y", "x"]),
  /** dx = dy·(1 − y²) with y the forward output. */
  f32_tanh_backward_scalar: ranged("elements", ["dx", "dy", "y"]),
  /** y = ½x(1 + tanh(√(2/π)(x + 0.044715x³))), GPT-2's GELU; y may alias x. */
  f32_gelu_forward_scalar: ranged("elements", ["y", "x"]),
  /** dx = dy·gelu′(x), the analytic derivative of the tanh approximation. */
  f32_gelu_backward_scalar: ranged("elements", ["dx", "dy", "x"]),
  /** y = x ≤ 0 ? +0 : x (NaN passes through); y may alias x. */
  f32_relu_forward_wasmsimd: ranged("elements", ["y", "x"]),
  /** dx = x > 0 ? dy : +0. */
  f32_relu_backward_wasmsimd: ranged("elements", ["dx", "dy", "x"]),
  /** y = x·x; y may alias x. */
  f32_square_forward_wasmsimd: ranged("elements", ["y", "x"]),
  /** dx = (x + x)·dy. */
  f32_square_backward_wasmsimd: ranged("elements", ["dx", "dy", "x"]),

  // f32-loss: fused loss + gradient for rows [r0, r1); rowLoss is f64[rows], targets i32[rows] class indices;
  // a gradient pointer of 0 means evaluation only; returns how many of the rows have argmax (first maximum) == target.
  /** rowLoss[i] = −log softmax(logits_i)[t_i] (in f64, two columns at a time in f64x2); dlogits = (softmax − onehot)·scale, rounded once. */
  f32_softmax_xent_wasmsimd: ranged("rows", ["dlogits", "rowLoss", "logits", "targets", "rows", "cols", "scale"], "count"),
  /** rowLoss[i] = Σ_j (y_ij − onehot_ij)² (in f64); dy = 2(y − onehot)·scale, rounded once (scale 1/(rows·cols) = PyTorch's mean). */
  f32_mse_onehot_scalar: ranged("rows", ["dy", "rowLoss", "y", "targets", "rows", "cols", "scale"], "count"),

  // f32-bias: a linear layer's bias; forward split by rows, backward (a sum over rows) by columns.
  /** y[i,j] = x[i,j] + bias[j] for rows [r0, r1) of x[rows×cols]; y may alias x. */
  f32_bias_forward_wasmsimd: ranged("rows", ["y", "x", "bias", "rows", "cols"]),
  /** dbias[j] += Σ_i dy[i,j] for columns [c0, c1), rows summed in order 0..rows−1 in f32 (accumulated). */
  f32_bias_backward_wasmsimd: ranged("columns", ["dbias", "dy", "rows", "cols"]),

  // f32-embedding: table vocab×dim, ids i32[rows]; forward split by rows, backward (a scatter-add) by columns.
  /** out[i,:] = table[ids[i],:] (+= with accumulate) for rows [r0, r1) of out[rows×dim]. */
  f32_embedding_forward_wasmsimd: ranged("rows", ["out", "table", "ids", "rows", "dim", "accumulate:bool"]),
  /** dtable[ids[i], c] += dout[i, c] for columns [c0, c1), rows i = 0..rows−1 in order (repeated ids accumulate). */
  f32_embedding_backward_wasmsimd: ranged("columns", ["dtable", "dout", "ids", "rows", "dim"]),

  // f32-reduce and f64-reduce: whole-array reductions (never split) and accuracy counts.
  /** Σ x² over x[n], in f64 in a fixed order (8 partial sums, paired, then the tail in order). */
  f32_sumsq_wasmsimd: whole(["x", "n"]),
  /** How many rows in [r0, r1) have argmax(logits_i) (first maximum on ties) == targets[i] (i32). */
  f32_argmax_count_scalar: ranged("rows", ["logits", "targets", "rows", "cols"], "count"),
  /** Σ x over f64 x[n], added in order from 0 (mean of per-row losses). */
  f64_sum_scalar: whole(["x", "n"]),

  // f32-optim: in-place optimiser steps over elements [i0, i1), f32 arithmetic with hyper-parameters rounded to f32 once.
  /** PyTorch SGD (coupled L2, dampening 0): g ← g + wd·p; v ← μ·v + g; p ← p − lr·v. velocity starts at 0; grads unchanged. */
  f32_sgd_momentum_wasmsimd: ranged("elements", ["params", "grads", "velocity", "lr", "momentum", "weightDecay"]),
  /** PyTorch AdamW: p ← p(1 − lr·wd); m, v moments; p ← p − lr/(1 − β1^t)·m/(√v/√(1 − β2^t) + eps); step t ≥ 1 (β^t in f64 inside wasm). */
  f32_adamw_wasmsimd: ranged("elements", ["params", "grads", "m", "v", "lr", "beta1", "beta2", "eps", "weightDecay", "step"], "void", true),
  /** p ← p·f32(targetNorm/√sumSquares), sumSquares = Σ p² over all parameters (f32_sumsq_wasmsimd); no-op if sumSquares is 0. */
  f32_rescale_to_norm_wasmsimd: ranged("elements", ["params", "sumSquares", "targetNorm"]),

  // f32-attention: multi-head causal self-attention core, split by batch rows [r0, r1); C = heads·headDim, T = seqLen,
  // Tq = queryLen (1 ≤ Tq ≤ T): q, out, dq, dout are [batch, Tq, C] for the LAST Tq positions; k, v, dk, dv [batch, T, C];
  // probs f32 [batch, heads, Tq, T]. Head h uses columns h·headDim…(h+1)·headDim−1. Everything written, not accumulated.
  /** probs = softmax_s(q_t·k_s/√headDim) over s ≤ t (f64, our exp, rounded once; +0 where s > t), out = probs·v (f64 sums, rounded once). */
  f32_attention_forward_scalar: ranged("rows", ["out", "probs", "q", "k", "v", "batch", "seqLen", "queryLen", "heads", "headDim"]),
  /** dv = probsᵀ·dout (f64, rounded once); g = p(dout·v − Σ p·dout·v)/√headDim in f64; dq = g·k, dk = gᵀ·q summed in f32 (one rounding per term, fixed order). */
  f32_attention_backward_scalar: ranged("rows", ["dq", "dk", "dv", "dout", "probs", "q", "k", "v", "batch", "seqLen", "queryLen", "heads", "headDim"]),

  // f32-layernorm: LayerNorm over the last dimension of x[rows×dim] (eps inside the √, biased variance, as PyTorch);
  // mean and rstd are f32[rows] saved by the forward and used by both backward kernels; all arithmetic in f64, rounded once.
  /** mean, rstd computed in f64 and rounded; out = (x − mean)·rstd·gamma + beta from the rounded statistics; rows [r0, r1); out may alias x. */
  f32_layernorm_forward_scalar: ranged("rows", ["out", "mean", "rstd", "x", "gamma", "beta", "rows", "dim", "eps"]),
  /** dx = rstd·(dout·gamma − mean(dout·gamma) − xhat·mean(dout·gamma·xhat)) for rows [r0, r1) (written); dx may alias dout. */
  f32_layernorm_backward_input_scalar: ranged("rows", ["dx", "dout", "x", "mean", "rstd", "gamma", "rows", "dim"]),
  /** dgamma[j] += Σ_i dout_ij·xhat_ij, dbeta[j] += Σ_i dout_ij for columns [c0, c1), rows summed in order in f64 (accumulated). */
  f32_layernorm_backward_params_scalar: ranged("columns", ["dgamma", "dbeta", "dout", "x", "mean", "rstd", "rows", "dim"]),

  // f32-vadd: residual connections.
  /** y[i] = a[i] + b[i] for i in [i0, i1); y may alias a or b. */
  f32_vadd_wasmsimd: ranged("elements", ["y", "a", "b"]),
} as const satisfies Record<string, KernelSpec>;

type Kernels = typeof KERNELS;
export type KernelName = keyof Kernels;

type ArgType<P> = P extends `${string}:bool` ? boolean : number;
/** A kernel's arguments without its range, typed from its parameter list. */
export type KernelArgs<K extends KernelName> = ArgsOf<Kernels[K]["params"]>;
type ArgsOf<P extends readonly string[]> = { -readonly [I in keyof P]: ArgType<P[I]> };
type RangeArgs<K extends KernelName> = Kernels[K]["range"] extends null ? [] : [start: number, end: number];
type KernelFunction<K extends KernelName> = (...args: [...KernelArgs<K>, ...RangeArgs<K>]) => Kernels[K]["returns"] extends "void" ? void : number;

/** Kernels whose output the thread pool may split (they take a range). */
export type RangedKernel = { [K in KernelName]: Kernels[K]["range"] extends null ? never : K }[KernelName];
/** Kernels that always run whole: reductions and math functions. */
export type WholeKernel = Exclude<KernelName, RangedKernel>;

/** The module's exports, as TypeScript sees them. */
export type KernelExports = { [K in KernelName]: KernelFunction<K> } & {
  memory: WebAssembly.Memory;
  /** First byte above the module's static data: the arena starts here. */
  heap_base(): number;
  /** FLOPs one iteration of f32_peak_wasmsimd performs. */
  F32_PEAK_FLOPS_PER_ITERATION: WebAssembly.Global;
};

/** Exports that are not kernels. */
export const NON_KERNEL_EXPORTS = ["memory", "heap_base", "F32_PEAK_FLOPS_PER_ITERATION"] as const;

export const KERNEL_NAMES = Object.keys(KERNELS) as KernelName[];

/** The kernels a thread pool splits, in a fixed order: the control block carries an index into this list. */
export const RANGED_KERNELS = KERNEL_NAMES.filter((name): name is RangedKernel => KERNELS[name].range !== null);

/** How many arguments the exported function takes (its range included). */
export const arity = (name: KernelName): number => KERNELS[name].params.length + (KERNELS[name].range === null ? 0 : 2);
