/**
 * The kernels the pool may split, in an order both sides share (the control block carries an index
 * into this list). Every one takes its range as its last two arguments.
 */
import type { KernelExports } from "../../wasm/kernels.js";

export const PARALLEL_KERNELS = [
  "f32_packb_kn_x8_wasmsimd",
  "f32_packb_nk_x8_wasmsimd",
  "f32_transpose_4x4_wasmsimd",
  "f32_gemm_nn_4x8_wasmsimd",
  "f32_bias_forward_wasmsimd",
  "f32_bias_backward_wasmsimd",
  "f32_relu_forward_wasmsimd",
  "f32_relu_backward_wasmsimd",
  "f32_square_forward_wasmsimd",
  "f32_square_backward_wasmsimd",
  "f32_tanh_forward_scalar",
  "f32_tanh_backward_scalar",
  "f32_gelu_forward_scalar",
  "f32_gelu_backward_scalar",
  "f32_vadd_wasmsimd",
  "f32_embedding_forward_wasmsimd",
  "f32_embedding_backward_wasmsimd",
  "f32_softmax_xent_scalar",
  "f32_mse_onehot_scalar",
  "f32_adamw_wasmsimd",
  "f32_sgd_momentum_wasmsimd",
  "f32_rescale_to_norm_wasmsimd",
  "f32_layernorm_forward_scalar",
  "f32_layernorm_backward_input_scalar",
  "f32_layernorm_backward_params_scalar",
  "f32_attention_forward_scalar",
  "f32_attention_backward_scalar",
] as const satisfies readonly (keyof KernelExports)[];

export type ParallelKernel = (typeof PARALLEL_KERNELS)[number];

export const kernelIndex = new Map<ParallelKernel, number>(PARALLEL_KERNELS.map((name, i) => [name, i]));

/** Calls kernel `index` with `args` and the range [r0, r1); returns its result (0 for void kernels). */
export function callKernel(kernels: KernelExports, index: number, args: ArrayLike<number>, count: number, r0: number, r1: number): number {
  const fn = kernels[PARALLEL_KERNELS[index]] as unknown as (...a: number[]) => number | undefined;
  const list: number[] = [];
  for (let i = 0; i < count; i++) list.push(args[i]);
  return fn(...list, r0, r1) ?? 0;
}
