/** Thread pools in browsers: module Web Workers running worker-browser. Must be created off the main thread (the coordinator blocks in Atomics.wait). */
import { wrap } from "comlink";
import { createThreadPool, type ThreadPool } from "../../ops/pool/pool.js";
import type { PoolWorker } from "../../ops/pool/worker-loop.js";

export function createBrowserThreadPool(module: WebAssembly.Module, threads: number, poolWorkerUrl: URL): Promise<ThreadPool> {
  return createThreadPool(module, threads, {
    spawn() {
      const worker = new Worker(poolWorkerUrl, { type: "module" });
      const failed = new Promise<never>((_, reject) => worker.addEventListener("error", (e) => reject(new Error(`pool worker ${poolWorkerUrl} failed: ${e.message}`))));
      failed.catch(() => {});
      return { remote: wrap<PoolWorker>(worker), failed, terminate: () => worker.terminate() };
    },
  });
}
