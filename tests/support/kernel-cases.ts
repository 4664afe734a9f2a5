/**
 * One invocation of every kernel on fixed inputs of awkward sizes, returning the bytes it wrote.
 * The cross-build test runs these on each build and compares the bytes.
 */
import type { KernelInstance } from "../../src/wasm/loader.js";
import { GEMM_KERNELS } from "../../src/wasm/gemm-kernels.js";
import { putF32, scoped } from "./kernels.js";
import { randomF32 } from "./random.js";

export interface KernelCase {
  name: string;
  run(k: KernelInstance): Uint8Array;
}

/** Output bytes of `length` f32 (or f64 with `bytesPer` 8) values at `ptr`, plus any returned number. */
function bytesOf(k: KernelInstance, ptr: number, length: number, bytesPer = 4, returned?: number): Uint8Array {
  const out = k.arena.bytes(ptr, length * bytesPer).slice();
  if (returned === undefined) return out;
  const tail = new Uint8Array(new Float64Array([returned]).buffer);
  const both = new Uint8Array(out.length + 8);
  both.set(out);
  both.set(tail, out.length);
  return both;
}

const gemmCases: KernelCase[] = GEMM_KERNELS.flatMap((g) =>
  [[113, 257, 97], [5, 7, 3]].map(([m, kk, n]) => ({
    name: `${g.name} ${m}×${kk}×${n} accumulate`,
    run: (k: KernelInstance) =>
      scoped(k, () => {
        const c = putF32(k, randomF32(m * n, 3));
        k.kernels[g.name](c, putF32(k, randomF32(m * kk, 1)), putF32(k, randomF32(kk * n, 2)), m, kk, n, true, 0, m);
        return bytesOf(k, c, m * n);
      }),
  })),
);

export const KERNEL_CASES: KernelCase[] = [...gemmCases];
