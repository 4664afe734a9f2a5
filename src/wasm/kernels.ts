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

  // f32-gemm: C[m×n] = A·B, Aᵀ·B or A·Bᵀ; `accumulate` adds to C instead of overwriting it.
  /** A m×k, B k×n. */
  f32_gemm_nn_4x8_wasmsimd(c: Ptr, a: Ptr, b: Ptr, m: number, k: number, n: number, accumulate: boolean, r0: number, r1: number): void;
  /** A stored k×m, B k×n. */
  f32_gemm_tn_4x8_wasmsimd(c: Ptr, a: Ptr, b: Ptr, m: number, k: number, n: number, accumulate: boolean, r0: number, r1: number): void;
  /** A m×k, B stored n×k. */
  f32_gemm_nt_4x2_wasmsimd(c: Ptr, a: Ptr, b: Ptr, m: number, k: number, n: number, accumulate: boolean, r0: number, r1: number): void;

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
}
