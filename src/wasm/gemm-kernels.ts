/**
 * The matmul kernels, one entry per layout: this list drives the kernel tests and the benchmark rows,
 * and the engine picks kernels from it by layout.
 */
import type { KernelExports } from "./kernels.js";

export type GemmLayout = "nn" | "tn" | "nt";

export interface GemmKernel {
  layout: GemmLayout;
  name: keyof KernelExports & `f32_gemm_${string}`;
  /** Formula for humans (table rows, error messages). */
  formula: string;
  /** Stored A is k×m (Aᵀ·B) rather than m×k. */
  transposeA: boolean;
  /** Stored B is n×k (A·Bᵀ) rather than k×n. */
  transposeB: boolean;
}

export const GEMM_KERNELS: readonly GemmKernel[] = [
  { layout: "nn", name: "f32_gemm_nn_4x8_wasmsimd", formula: "C = A·B", transposeA: false, transposeB: false },
  { layout: "tn", name: "f32_gemm_tn_4x8_wasmsimd", formula: "C = Aᵀ·B", transposeA: true, transposeB: false },
  { layout: "nt", name: "f32_gemm_nt_4x2_wasmsimd", formula: "C = A·Bᵀ", transposeA: false, transposeB: true },
];
