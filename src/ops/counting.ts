/**
 * An executor that counts what an op plan performs: FLOPs in all and by kernel. Given another
 * executor it runs every call there too; without one it only counts (a dry run, for the run plan).
 */
import type { KernelName } from "../wasm/kernels.js";
import type { Executor } from "./plan.js";

export interface CountingExecutor extends Executor {
  flops: number;
  readonly byKernel: Map<KernelName, number>;
  reset(): void;
}

export function countingExecutor(inner?: Executor): CountingExecutor {
  const counter: CountingExecutor = {
    flops: 0,
    byKernel: new Map(),
    reset() {
      counter.flops = 0;
      counter.byKernel.clear();
    },
    run(call) {
      add(call.kernel, call.flops);
      return inner ? inner.run(call) : 0;
    },
    runWhole(call) {
      add(call.kernel, call.flops);
      return inner ? inner.runWhole(call) : 0;
    },
    zero: (ptr, n) => inner?.zero(ptr, n),
    copy: (dst, src, n) => inner?.copy(dst, src, n),
  };
  const add = (kernel: KernelName, flops: number) => {
    counter.flops += flops;
    counter.byKernel.set(kernel, (counter.byKernel.get(kernel) ?? 0) + flops);
  };
  return counter;
}
