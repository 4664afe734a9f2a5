/** Thread pools in Node: worker_threads running worker-node (through tsx when running from source). */
import { wrap } from "comlink";
import nodeEndpoint from "comlink/dist/esm/node-adapter.mjs";
import { readFile } from "node:fs/promises";
import { Worker } from "node:worker_threads";
import { buildUrl } from "./builds.js";
import { createThreadPool, type ThreadPool } from "../../ops/pool/pool.js";
import type { PoolWorker } from "../../ops/pool/worker-loop.js";

const fromSource = import.meta.url.endsWith(".ts");

export async function createNodeThreadPool(threads: number): Promise<ThreadPool> {
  const module = await WebAssembly.compile(await readFile(buildUrl("simd-threads")));
  const script = new URL(fromSource ? "./pool-worker-from-source.mjs" : "./pool-worker.js", import.meta.url);
  return createThreadPool(module, threads, {
    spawn() {
      const worker = new Worker(script);
      worker.unref();
      // A worker that dies before answering would leave prepare() pending forever: surface its error.
      const failed = new Promise<never>((_, reject) => worker.once("error", reject));
      failed.catch(() => {});
      return { remote: wrap<PoolWorker>(nodeEndpoint(worker)), failed, terminate: () => worker.terminate() };
    },
  });
}
