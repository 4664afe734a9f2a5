/**
 * A pool worker: instantiates the simd-threads build over the shared memory, then serves ops from
 * the control block until STOP. `prepare` and `loop` are separate so the coordinator knows every
 * worker is listening (has read the generation) before it hands out the first op.
 */
import { loadKernels } from "../../wasm/loader.js";
import { RANGED_KERNELS, type KernelExports } from "../../wasm/kernels.js";
import { invoke } from "../plan.js";
import { ARG_COUNT, controlViews, GENERATION, KERNEL, LINE_RESULT, PENDING, reportFailure, runChunks, STOP, waitWhileEqual, type ControlViews } from "./control.js";

export interface WorkerInit {
  module: WebAssembly.Module;
  memory: WebAssembly.Memory;
  /** Byte offset of the control block. */
  control: number;
  /** This worker's slice: 1…threads−1 (the coordinator is 0). */
  index: number;
  threads: number;
}

export class PoolWorker {
  private state?: { kernels: KernelExports; views: ControlViews; seen: number; init: WorkerInit };

  async prepare(init: WorkerInit): Promise<void> {
    const { kernels } = await loadKernels(init.module, { memory: init.memory });
    const views = controlViews(init.memory, init.control);
    this.state = { kernels, views, seen: Atomics.load(views.words, GENERATION), init };
  }

  /** Blocks this thread serving ops; resolves when the coordinator sends STOP, rejects after a kernel threw (reported to the coordinator first). */
  loop(): void {
    if (!this.state) throw new Error("PoolWorker.loop before prepare");
    const { kernels, views, init } = this.state;
    const { words, args } = views;
    let seen = this.state.seen;
    for (;;) {
      waitWhileEqual(words, GENERATION, seen);
      seen = Atomics.load(words, GENERATION);
      const kernel = Atomics.load(words, KERNEL);
      if (kernel === STOP) return;
      const name = RANGED_KERNELS[kernel];
      const callArgs = Array.from(args.subarray(0, words[ARG_COUNT]));
      let failure: unknown = undefined;
      try {
        words[LINE_RESULT(init.index)] = runChunks(words, (start, end) => invoke(kernels, name, callArgs, [start, end]));
      } catch (error) {
        failure = error;
        reportFailure(views, init.index, error);
      }
      if (Atomics.sub(words, PENDING, 1) === 1) Atomics.notify(words, PENDING);
      if (failure !== undefined) throw failure;
    }
  }
}
