/**
 * Matmuls in the three layouts training needs, as the kernels do them. One 4×8 micro-kernel
 * multiplies a row-major A by B packed into panels of 8 columns; the layouts differ in what is
 * copied first, into a workspace the caller owns:
 *   nn  C = A·B    pack B (stored k×n)
 *   nt  C = A·Bᵀ   pack B from its stored transpose (n×k)
 *   tn  C = Aᵀ·B   pack B, and transpose A (stored k×m) into m×k
 * This list drives the kernel tests and the benchmark rows; `gemmSteps` is the matmul's plan, the
 * sequence of calls that every executor runs (the thread pool splits each one).
 */
import type { Arena } from "../wasm/arena.js";
import type { KernelExports } from "../wasm/kernels.js";
import { serialExecutor, split, type Executor, type SplitCall } from "./plan.js";

export type GemmLayout = "nn" | "tn" | "nt";

export interface GemmKernel {
  layout: GemmLayout;
  /** Packs B into the micro-kernel's panels. */
  pack: "f32_packb_kn_x8_wasmsimd" | "f32_packb_nk_x8_wasmsimd";
  /** Formula for humans (table rows, error messages). */
  formula: string;
  /** Stored A is k×m (Aᵀ·B) rather than m×k: it is transposed into the workspace first. */
  transposeA: boolean;
  /** Stored B is n×k (A·Bᵀ) rather than k×n. */
  transposeB: boolean;
}

export const GEMM_KERNELS: readonly GemmKernel[] = [
  { layout: "nn", pack: "f32_packb_kn_x8_wasmsimd", formula: "C = A·B", transposeA: false, transposeB: false },
  { layout: "tn", pack: "f32_packb_kn_x8_wasmsimd", formula: "C = Aᵀ·B", transposeA: true, transposeB: false },
  { layout: "nt", pack: "f32_packb_nk_x8_wasmsimd", formula: "C = A·Bᵀ", transposeA: false, transposeB: true },
];

/** The micro-kernel every layout ends in. */
export const GEMM_MULTIPLY = "f32_gemm_nn_4x8_wasmsimd";
/** Turns a stored k×m A into m×k. */
export const GEMM_TRANSPOSE = "f32_transpose_4x4_wasmsimd";

export const gemmKernel = (layout: GemmLayout): GemmKernel => GEMM_KERNELS.find((g) => g.layout === layout)!;

/** Columns per packed panel. */
export const PANEL_COLUMNS = 8;

/** Panels of a k×n B operand. */
export const panelsOf = (n: number): number => Math.ceil(n / PANEL_COLUMNS);

/** Floats the packed panels of a k×n B operand take: k·⌈n/8⌉·8 (f32-packb-x8-wasmsimd.ts writes exactly these). */
export const packedFloats = (k: number, n: number): number => k * panelsOf(n) * PANEL_COLUMNS;

/** Floats of workspace one matmul needs: packed B, then (tn) the transposed A, on a 64-byte boundary. */
export function workspaceFloats(layout: GemmLayout, m: number, k: number, n: number): number {
  return gemmKernel(layout).transposeA ? alignedFloats(packedFloats(k, n)) + m * k : packedFloats(k, n);
}

const alignedFloats = (floats: number): number => Math.ceil(floats / 16) * 16;

/** Arena memory a matmul copies its operands into: byte offset and size in floats. */
export interface GemmWorkspace {
  ptr: number;
  floats: number;
}

/** Where one matmul's copies go in `workspace` (throws if it is too small: a kernel would write past it). */
export function workspaceLayout(workspace: GemmWorkspace, layout: GemmLayout, m: number, k: number, n: number): { packed: number; transposedA: number } {
  const need = workspaceFloats(layout, m, k, n);
  if (need > workspace.floats) throw new RangeError(`gemm ${layout} ${m}×${k}×${n}: needs ${need} floats of workspace; it holds ${workspace.floats}`);
  return { packed: workspace.ptr, transposedA: workspace.ptr + alignedFloats(packedFloats(k, n)) * 4 };
}

/** A workspace in `arena` big enough for each of the matmuls listed. */
export function allocGemmWorkspace(arena: Arena, matmuls: readonly (readonly [layout: GemmLayout, m: number, k: number, n: number])[]): GemmWorkspace {
  const floats = Math.max(0, ...matmuls.map(([layout, m, k, n]) => workspaceFloats(layout, m, k, n)));
  return { ptr: arena.allocF32(floats), floats };
}

/** The calls C[m×n] (+)= A·B, Aᵀ·B or A·Bᵀ takes, in order (each needs the previous one complete). */
export function gemmSteps(layout: GemmLayout, c: number, a: number, b: number, m: number, k: number, n: number, accumulate: boolean, workspace: GemmWorkspace): SplitCall[] {
  const g = gemmKernel(layout);
  const { packed, transposedA } = workspaceLayout(workspace, layout, m, k, n);
  // Packing and transposing move data (no FLOPs); the multiply does 2mkn (a multiply and an add per term).
  const steps = [split(g.pack, [packed, b, k, n], panelsOf(n), 1, 0, k * n * 16)];
  if (g.transposeA) steps.push(split(GEMM_TRANSPOSE, [transposedA, a, k, m], m, 4, 0, m * k * 16));
  steps.push(split(GEMM_MULTIPLY, [c, g.transposeA ? transposedA : a, packed, m, k, n, accumulate], m, 4, 2 * m * k * n, m * k * n));
  return steps;
}

/** Runs the matmul's steps in order (each complete on every thread before the next starts). */
export function runGemm(executor: Executor, layout: GemmLayout, c: number, a: number, b: number, m: number, k: number, n: number, accumulate: boolean, workspace: GemmWorkspace): void {
  for (const step of gemmSteps(layout, c, a, b, m, k, n, accumulate, workspace)) executor.run(step);
}

/** C[m×n] (+)= A·B, Aᵀ·B or A·Bᵀ on this thread. */
export function gemm(kernels: KernelExports, layout: GemmLayout, c: number, a: number, b: number, m: number, k: number, n: number, accumulate: boolean, workspace: GemmWorkspace): void {
  runGemm(serialExecutor(kernels), layout, c, a, b, m, k, n, accumulate, workspace);
}
