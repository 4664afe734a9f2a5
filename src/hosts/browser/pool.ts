/** Thread pools in browsers: module Web Workers running worker-browser. Must be created off the main thread (the coordinator blocks in Atomics.wait). */
import { wrap } from "comlink";
import { createThreadPool, type ThreadPool } from "../../ops/pool/pool.js";
import type { PoolWorker } from "../../ops/pool/worker-loop.js";

/** `poolWorkerUrl` defaults to this package's pool-worker.js, in the one form bundlers recognise as a worker. */
export function createBrowserThreadPool(module: WebAssembly.Module, threads: number, poolWorkerUrl?: URL): Promise<ThreadPool> {
  return createThreadPool(module, threads, {
    spawn() {
      const worker = poolWorkerUrl ? new Worker(poolWorkerUrl, { type: "module" }) : new Worker(new URL("./pool-worker.js", import.meta.url), { type: "module" });
      const failed = new Promise<never>((_, reject) => worker.addEventListener("error", (e) => reject(new Error(`pool worker ${poolWorkerUrl ?? "pool-worker.js"} failed: ${e.message}`))));
      failed.catch(() => {});
      return { remote: wrap<PoolWorker>(worker), failed, terminate: () => worker.terminate() };
    },
  });
}
