/**
 * Matmuls in the three layouts training needs, as the kernels do them. A 4×8 micro-kernel
 * multiplies A by B packed into panels of 8 columns; the layouts differ in what is copied first,
 * into a workspace the caller owns, and in how the micro-kernel reads A:
 *   nn  C = A·B    pack B (stored k×n)
 *   nt  C = A·Bᵀ   pack B from its stored transpose (n×k)
 *   tn  C = Aᵀ·B   pack B; the tn micro-kernel reads A stored k×m in place
 * The micro-kernels copy each 4-row block of A they multiply into the workspace, right after the
 * panels (assembly/f32-gemm/f32-gemm-4x8-wasmsimd.ts): `workspaceFloats` reserves those blocks.
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
  /** Multiplies A, stored as the layout says, by the packed panels. */
  multiply: "f32_gemm_nn_4x8_wasmsimd" | "f32_gemm_tn_4x8_wasmsimd";
  /** Formula for humans (table rows, error messages). */
  formula: string;
  /** Stored A is k×m (Aᵀ·B) rather than m×k. */
  transposeA: boolean;
  /** Stored B is n×k (A·Bᵀ) rather than k×n. */
  transposeB: boolean;
}

export const GEMM_KERNELS: readonly GemmKernel[] = [
  { layout: "nn", pack: "f32_packb_kn_x8_wasmsimd", multiply: "f32_gemm_nn_4x8_wasmsimd", formula: "C = A·B", transposeA: false, transposeB: false },
  { layout: "tn", pack: "f32_packb_kn_x8_wasmsimd", multiply: "f32_gemm_tn_4x8_wasmsimd", formula: "C = Aᵀ·B", transposeA: true, transposeB: false },
  { layout: "nt", pack: "f32_packb_nk_x8_wasmsimd", multiply: "f32_gemm_nn_4x8_wasmsimd", formula: "C = A·Bᵀ", transposeA: false, transposeB: true },
];

export const gemmKernel = (layout: GemmLayout): GemmKernel => GEMM_KERNELS.find((g) => g.layout === layout)!;

/** Columns per packed panel. */
export const PANEL_COLUMNS = 8;

/** Panels of a k×n B operand. */
export const panelsOf = (n: number): number => Math.ceil(n / PANEL_COLUMNS);

/** Floats the packed panels of a k×n B operand take: k·⌈n/8⌉·8 (f32-packb-x8-wasmsimd.ts writes exactly these). */
export const packedFloats = (k: number, n: number): number => k * panelsOf(n) * PANEL_COLUMNS;

/** k steps per chunk of the micro-kernel (its KC): an A block holds min(k, this) steps. */
export const BLOCK_STEPS = 512;

/**
 * Floats of the A blocks the micro-kernel writes past the panels: ⌊m/4⌋ blocks of 4 rows × min(k, 512)
 * steps (a call on rows [r0, r1) uses block ⌈r0/4⌉, so threads on disjoint rows never share one).
 */
export const blockFloats = (m: number, k: number): number => Math.floor(m / 4) * 4 * Math.min(k, BLOCK_STEPS);

/** Floats of workspace one matmul needs, the same for every layout: packed B, then the A blocks on a 64-byte boundary. */
export function workspaceFloats(_layout: GemmLayout, m: number, k: number, n: number): number {
  return alignedFloats(packedFloats(k, n)) + blockFloats(m, k);
}

const alignedFloats = (floats: number): number => Math.ceil(floats / 16) * 16;

/** Arena memory a matmul copies its operands into: byte offset and size in floats. */
export interface GemmWorkspace {
  ptr: number;
  floats: number;
}

/**
 * Where one matmul's packed panels go in `workspace`: at its start. Throws if the workspace cannot
 * also hold the A blocks the micro-kernel copies right after the panels (it finds them there itself,
 * on the next 64-byte boundary: f32-gemm-4x8-wasmsimd.ts), since a kernel would then write past it.
 */
export function packedPanelsAt(workspace: GemmWorkspace, layout: GemmLayout, m: number, k: number, n: number): number {
  const need = workspaceFloats(layout, m, k, n);
  if (need > workspace.floats) throw new RangeError(`gemm ${layout} ${m}×${k}×${n}: needs ${need} floats of workspace; it holds ${workspace.floats}`);
  return workspace.ptr;
}

/** A workspace in `arena` big enough for each of the matmuls listed. */
export function allocGemmWorkspace(arena: Arena, matmuls: readonly (readonly [layout: GemmLayout, m: number, k: number, n: number])[]): GemmWorkspace {
  const floats = Math.max(0, ...matmuls.map(([layout, m, k, n]) => workspaceFloats(layout, m, k, n)));
  return { ptr: arena.allocF32(floats), floats };
}

/** The calls C[m×n] (+)= A·B, Aᵀ·B or A·Bᵀ takes, in order (each needs the previous one complete). */
export function gemmSteps(layout: GemmLayout, c: number, a: number, b: number, m: number, k: number, n: number, accumulate: boolean, workspace: GemmWorkspace): SplitCall[] {
  const g = gemmKernel(layout);
  const packed = packedPanelsAt(workspace, layout, m, k, n);
  // Packing moves data (no FLOPs); the multiply does 2mkn (a multiply and an add per term).
  return [split(g.pack, [packed, b, k, n], panelsOf(n), 1, 0, k * n * 16), split(g.multiply, [c, a, packed, m, k, n, accumulate], m, 4, 2 * m * k * n, m * k * n)];
}

/** Runs the matmul's steps in order (each complete on every thread before the next starts). */
export function runGemm(executor: Executor, layout: GemmLayout, c: number, a: number, b: number, m: number, k: number, n: number, accumulate: boolean, workspace: GemmWorkspace): void {
  for (const step of gemmSteps(layout, c, a, b, m, k, n, accumulate, workspace)) executor.run(step);
}

/** One serial executor per kernel instance: making one costs ~3 µs, 1–2% of a 113×257×97 matmul. */
const serialExecutors = new WeakMap<KernelExports, Executor>();

/** C[m×n] (+)= A·B, Aᵀ·B or A·Bᵀ on this thread. */
export function gemm(kernels: KernelExports, layout: GemmLayout, c: number, a: number, b: number, m: number, k: number, n: number, accumulate: boolean, workspace: GemmWorkspace): void {
  let executor = serialExecutors.get(kernels);
  if (!executor) serialExecutors.set(kernels, (executor = serialExecutor(kernels)));
  runGemm(executor, layout, c, a, b, m, k, n, accumulate, workspace);
}
