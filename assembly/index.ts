// The kernel module's exports. Naming rule and layout: see assembly/README.md.
export { f32_gemm_nn_4x8_wasmsimd, f32_gemm_tn_4x8_wasmsimd } from "./f32-gemm/f32-gemm-4x8-wasmsimd";
export { f32_packb_kn_x8_wasmsimd, f32_packb_nk_x8_wasmsimd } from "./f32-gemm/f32-packb-x8-wasmsimd";

/** First byte above the module's static data: the TypeScript arena starts here. */
export function heap_base(): usize {
  return __heap_base;
}
export { f32_peak_wasmsimd, F32_PEAK_FLOPS_PER_ITERATION } from "./probe/f32-peak-wasmsimd";
export { f64_exp, f64_expm1 } from "./math/f64-exp";
export { f64_log } from "./math/f64-log";
export { f64_tanh } from "./math/f64-tanh";
export { f32_tanh_forward_scalar, f32_tanh_backward_scalar } from "./f32-act/f32-tanh-scalar";
export { f32_gelu_forward_scalar, f32_gelu_backward_scalar } from "./f32-act/f32-gelu-scalar";
export { f32_softmax_xent_wasmsimd } from "./f32-loss/f32-softmax-xent-wasmsimd";
export { f32_mse_onehot_scalar } from "./f32-loss/f32-mse-onehot-scalar";
export { f32_bias_forward_wasmsimd, f32_bias_backward_wasmsimd } from "./f32-bias/f32-bias-wasmsimd";
export { f32_relu_forward_wasmsimd, f32_relu_backward_wasmsimd } from "./f32-act/f32-relu-wasmsimd";
export { f32_square_forward_wasmsimd, f32_square_backward_wasmsimd } from "./f32-act/f32-square-wasmsimd";
export { f32_embedding_forward_wasmsimd, f32_embedding_backward_wasmsimd } from "./f32-embedding/f32-embedding-wasmsimd";
export { f32_sumsq_wasmsimd } from "./f32-reduce/f32-sumsq-wasmsimd";
export { f32_argmax_count_scalar } from "./f32-reduce/f32-argmax-count-scalar";
export { f64_sum_scalar } from "./f64-reduce/f64-sum-scalar";
export { f32_sgd_momentum_wasmsimd } from "./f32-optim/f32-sgd-momentum-wasmsimd";
export { f32_adamw_wasmsimd } from "./f32-optim/f32-adamw-wasmsimd";
export { f32_rescale_to_norm_wasmsimd } from "./f32-optim/f32-rescale-wasmsimd";
export { f32_attention_forward_scalar, f32_attention_backward_scalar } from "./f32-attention/f32-attention-scalar";
export { f32_layernorm_forward_scalar, f32_layernorm_backward_input_scalar, f32_layernorm_backward_params_scalar } from "./f32-layernorm/f32-layernorm-scalar";
export { f32_vadd_wasmsimd } from "./f32-vadd/f32-vadd-wasmsimd";
