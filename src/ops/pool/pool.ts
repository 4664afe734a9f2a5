/**
 * A pool of threads over one shared wasm memory: the calling thread coordinates (and computes
 * slice 0), `threads − 1` workers compute the other slices. The hot path is the control block in
 * shared memory (control.ts); comlink only starts and stops the workers.
 */
import type { Remote } from "comlink";
import { loadKernels, type KernelInstance } from "../../wasm/loader.js";
import { CONTROL_BYTES, MAX_THREADS } from "./control.js";
import { Ops } from "../ops.js";
import { PoolExecutor } from "./pool-executor.js";
import type { PoolWorker } from "./worker-loop.js";

export interface ThreadPool {
  threads: number;
  /** The coordinator's kernel instance (simd-threads over the shared memory): give it to TrainingRun. */
  kernels: KernelInstance;
  /** Ops that split their plans across the pool. */
  ops: Ops;
  close(): Promise<void>;
}

/** How a runtime starts one worker and talks to it (Node: worker_threads; browsers: Web Workers). */
export interface WorkerHost {
  spawn(): { remote: Remote<PoolWorker>; failed: Promise<never>; terminate(): void | Promise<unknown> };
}

export async function createThreadPool(module: WebAssembly.Module, threads: number, host: WorkerHost): Promise<ThreadPool> {
  if (!Number.isInteger(threads) || threads < 1 || threads > MAX_THREADS) throw new RangeError(`threads must be an integer in [1, ${MAX_THREADS}], got ${threads}`);
  const kernels = await loadKernels(module);
  if (kernels.build !== "simd-threads") throw new TypeError("a thread pool needs the simd-threads build");
  const control = kernels.arena.alloc(CONTROL_BYTES);
  kernels.arena.bytes(control, CONTROL_BYTES).fill(0);
  const workers = Array.from({ length: threads - 1 }, () => host.spawn());
  try {
    await Promise.all(workers.map((w, i) => Promise.race([w.remote.prepare({ module, memory: kernels.memory, control, index: i + 1, threads }), w.failed])));
  } catch (error) {
    await Promise.all(workers.map((w) => w.terminate()));
    throw error;
  }
  const loops = workers.map((w) => w.remote.loop());
  // A loop rejects when its kernel failed; the coordinator reports that failure where it happens.
  for (const loop of loops) loop.catch(() => {});
  const executor = new PoolExecutor(kernels.kernels, kernels.memory, control, threads);
  const ops = new Ops(executor);
  return {
    threads,
    kernels,
    ops,
    async close() {
      executor.stop();
      // A worker whose kernel failed has left its loop already (its loop rejected): terminate every one regardless.
      await Promise.allSettled(loops);
      await Promise.all(workers.map((w) => w.terminate()));
    },
  };
}
