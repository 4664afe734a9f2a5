// The kernel module's exports. Naming rule and layout: see assembly/README.md.
export { f32_gemm_nn_4x8_wasmsimd, f32_gemm_tn_4x8_wasmsimd } from "./f32-gemm/f32-gemm-4x8-wasmsimd";
export { f32_gemm_nt_4x2_wasmsimd } from "./f32-gemm/f32-gemm-nt-4x2-wasmsimd";

/** First byte above the module's static data: the TypeScript arena starts here. */
export function heap_base(): usize {
  return __heap_base;
}
export { f32_peak_wasmsimd, F32_PEAK_FLOPS_PER_ITERATION } from "./probe/f32-peak-wasmsimd";
