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
}
