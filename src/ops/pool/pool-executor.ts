/**
 * Runs op plans on a pool of threads sharing one wasm memory: each split call's range is cut into
 * contiguous chunks, which the threads — the coordinator (this object's thread) among them — claim
 * until none is left (control.ts). The plan
 * type guarantees a range never runs along a reduction, and kernels compute every output element
 * the same way whatever slice reaches it, so results are bitwise those of one thread. Work too small
 * to be worth waking the workers runs on the coordinator alone, and so does every whole call.
 * Nothing here knows any op: the control block carries the kernel's index in RANGED_KERNELS.
 */
import { RANGED_KERNELS, type KernelExports, type RangedKernel } from "../../wasm/kernels.js";
import { invoke, memoryTraffic, type Executor, type SplitCall, type WholeCall } from "../plan.js";
import { ALIGN, ARG_COUNT, chunkCount, CHUNKS, controlViews, EXTENT, FAILED, failureText, GENERATION, KERNEL, LINE_RESULT, MAX_ARGS, NEXT_CHUNK, OP_TIMEOUT_MS, PENDING, runChunks, STOP, waitWhileEqual, type ControlViews } from "./control.js";

/** Below this much work (multiply-add equivalents, see SplitCall.work) one thread does it all. */
export const PARALLEL_MIN_WORK = 1 << 18;

const KERNEL_INDEX = new Map<RangedKernel, number>(RANGED_KERNELS.map((name, i) => [name, i]));

export class PoolExecutor implements Executor {
  private readonly views: ControlViews;
  readonly zero: Executor["zero"];
  readonly copy: Executor["copy"];
  /**
   * Where the coordinator's time goes on split calls: computing chunks, and waiting for the workers
   * once none is left (a wake-up's latency plus the last chunks' imbalance). Benchmarks read it to tell a slow
   * machine from a slow pool.
   */
  readonly stats = { splitCalls: 0, serialCalls: 0, chunks: 0, coordinatorChunks: 0, sliceMs: 0, waitMs: 0 };
  /** Why the pool can take no more work, once a worker failed or stopped answering. */
  private broken?: Error;

  /** `threads` counts the coordinator: workers 1…threads−1 must be serving `control`. */
  constructor(readonly kernels: KernelExports, memory: WebAssembly.Memory, control: number, readonly threads: number) {
    this.views = controlViews(memory, control);
    ({ zero: this.zero, copy: this.copy } = memoryTraffic(memory));
  }

  runWhole(call: WholeCall): number {
    if (this.broken) throw this.broken;
    return invoke(this.kernels, call.kernel, call.args);
  }

  /** Runs the call over [0, extent) on every thread; returns the sum of the slices' results. */
  run(call: SplitCall): number {
    if (this.broken) throw this.broken;
    if (this.threads === 1 || call.work < PARALLEL_MIN_WORK) {
      this.stats.serialCalls++;
      return invoke(this.kernels, call.kernel, call.args, [0, call.extent]);
    }
    if (call.args.length > MAX_ARGS) throw new RangeError(`${call.kernel}: ${call.args.length} arguments exceed the control block's ${MAX_ARGS}`);
    const { words, args } = this.views;
    words[KERNEL] = KERNEL_INDEX.get(call.kernel)!;
    words[ARG_COUNT] = call.args.length;
    words[EXTENT] = call.extent;
    words[ALIGN] = call.align;
    words[CHUNKS] = chunkCount(call.extent, call.align, this.threads);
    words[NEXT_CHUNK] = 0;
    for (let i = 0; i < call.args.length; i++) args[i] = Number(call.args[i]);
    Atomics.store(words, PENDING, this.threads - 1);
    Atomics.add(words, GENERATION, 1);
    Atomics.notify(words, GENERATION);
    let total = 0;
    const t0 = performance.now();
    let t1 = t0;
    try {
      total = runChunks(words, (start, end) => (this.stats.coordinatorChunks++, invoke(this.kernels, call.kernel, call.args, [start, end])));
      t1 = performance.now();
    } finally {
      // Even if our chunk threw: the workers must be done with this call before anything else touches memory.
      this.awaitWorkers(call.kernel);
    }
    this.stats.splitCalls++;
    this.stats.chunks += words[CHUNKS];
    this.stats.sliceMs += t1 - t0;
    this.stats.waitMs += performance.now() - t1;
    for (let w = 1; w < this.threads; w++) total += words[LINE_RESULT(w)];
    return total;
  }

  private awaitWorkers(kernel: RangedKernel): void {
    const { words } = this.views;
    const deadline = performance.now() + OP_TIMEOUT_MS;
    for (let pending = Atomics.load(words, PENDING); pending !== 0; pending = Atomics.load(words, PENDING)) {
      if (!waitWhileEqual(words, PENDING, pending, deadline - performance.now())) {
        throw (this.broken = new Error(`thread pool: ${pending} worker(s) did not finish ${kernel} within ${OP_TIMEOUT_MS / 1000} s; the pool is unusable`));
      }
    }
    const failed = Atomics.load(words, FAILED);
    if (failed !== 0) throw (this.broken = new Error(`thread pool: worker ${failed - 1} failed in ${kernel}: ${failureText(this.views)}; the pool is unusable`));
  }

  /** Tells the workers to leave their loops. */
  stop(): void {
    const { words } = this.views;
    words[KERNEL] = STOP;
    Atomics.add(words, GENERATION, 1);
    Atomics.notify(words, GENERATION);
  }
}
