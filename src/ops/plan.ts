/**
 * An op's plan: the kernel calls it makes, each with typed arguments and, for kernels that take a
 * range, the extent of the output dimension the range runs along. Ops (ops.ts) define every op once
 * as such calls; an `Executor` runs them — on this thread (`serialExecutor`), or split across a
 * thread pool (ops/pool/), or counted (the run plan's tests). No executor holds per-op code.
 *
 * The determinism rule lives in these types: only a kernel whose range the kernel list declares
 * (an output dimension: rows, columns, elements or panels, never a reduction) can be a `SplitCall`;
 * reductions are `WholeCall`s, which no executor may split. Every output element is then computed by
 * the same operations in the same order however the range is split, so any number of threads gives
 * the bits of one.
 */
import { F32_BYTES } from "../wasm/arena.js";
import type { KernelArgs, KernelExports, KernelName, RangedKernel, WholeKernel } from "../wasm/kernels.js";

interface Costs {
  /** Floating-point operations the call performs (the run plan adds these up). */
  flops: number;
}

/** A call whose output range [0, extent) an executor may split at multiples of `align`. */
export interface SplitCall<K extends RangedKernel = RangedKernel> extends Costs {
  kernel: K;
  args: KernelArgs<K>;
  /** Size of the output dimension the kernel's range runs along (the kernel list names it). */
  extent: number;
  /** Slices start at multiples of this, so SIMD tiles stay whole. */
  align: number;
  /** Cost in multiply-add equivalents: below the pool's threshold one thread does it all. */
  work: number;
}

/** A call that always runs whole on one thread: a reduction, whose summation order must not change. */
export interface WholeCall<K extends WholeKernel = WholeKernel> extends Costs {
  kernel: K;
  args: KernelArgs<K>;
}

export interface Executor {
  /** Runs the call over [0, extent); returns the sum of its slices' results (0 for void kernels). */
  run(call: SplitCall): number;
  runWhole(call: WholeCall): number;
  /** Zeroes n f32 values at byte offset ptr (memory traffic on this thread, no kernel). */
  zero(ptr: number, n: number): void;
  /** Copies n f32 values (on this thread). */
  copy(dst: number, src: number, n: number): void;
}

/** Builds a split call (the type checks `args` against the kernel's parameter list). */
export const split = <K extends RangedKernel>(kernel: K, args: KernelArgs<K>, extent: number, align: number, flops: number, work: number): SplitCall =>
  ({ kernel, args, extent, align, flops, work }) as SplitCall;

export const whole = <K extends WholeKernel>(kernel: K, args: KernelArgs<K>, flops: number): WholeCall => ({ kernel, args, flops }) as WholeCall;

/** Calls `kernel` with `args` and, for a ranged kernel, the range [start, end). The one untyped call site. */
export function invoke(kernels: KernelExports, kernel: KernelName, args: readonly (number | boolean)[], range?: readonly [number, number]): number {
  const fn = kernels[kernel] as unknown as (...a: (number | boolean)[]) => number | undefined;
  return (range ? fn(...args, range[0], range[1]) : fn(...args)) ?? 0;
}

/** `zero` and `copy` over a kernel module's memory, for executors that run on it. */
export function memoryTraffic(memory: WebAssembly.Memory): Pick<Executor, "zero" | "copy"> {
  return {
    zero: (ptr, n) => new Float32Array(memory.buffer, ptr, n).fill(0),
    copy: (dst, src, n) => void new Float32Array(memory.buffer).copyWithin(dst / F32_BYTES, src / F32_BYTES, src / F32_BYTES + n),
  };
}

/** Runs every call on the calling thread. */
export function serialExecutor(kernels: KernelExports): Executor {
  return {
    run: (call) => invoke(kernels, call.kernel, call.args, [0, call.extent]),
    runWhole: (call) => invoke(kernels, call.kernel, call.args),
    ...memoryTraffic(kernels.memory),
  };
}
