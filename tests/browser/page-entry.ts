/**
 * Browser entry of the test page (bundled by tests/support/test-page.ts): the universal `train` on
 * the page itself, and training in a coordinator worker with a thread pool.
 */
import { loadMnist, train } from "../../src/index.js";
import { trainInBackground } from "../../src/hosts/browser/background.js";
import type { PageTrain, PageTrainInBackground } from "./page-api.js";

const at = (path: string) => new URL(path, location.href).href;

const grokedgeTrain: PageTrain = async (config) => {
  const mnist = (config as { task: { kind: string } }).task.kind === "mnist" ? await loadMnist(new URL(at("/build/mnist.bin"))) : undefined;
  return train(config, { kernels: new URL(at("/build/simd.wasm")), mnist });
};
const grokedgeTrainInBackground: PageTrainInBackground = (config, threads, coordinatorPath = "/coordinator.js") =>
  trainInBackground(config, {
    threads,
    coordinatorUrl: at(coordinatorPath),
    poolWorkerUrl: at("/pool-worker.js"),
    simdUrl: at("/build/simd.wasm"),
    threadsUrl: at("/build/simd-threads.wasm"),
  });
/** Starts a long run on 2 threads, aborts it at its first progress report, and returns how it ended. */
const grokedgeAbortInBackground = async (config: unknown) => {
  const abort = new AbortController();
  try {
    await trainInBackground(config, {
      threads: 2,
      coordinatorUrl: at("/coordinator.js"),
      poolWorkerUrl: at("/pool-worker.js"),
      simdUrl: at("/build/simd.wasm"),
      threadsUrl: at("/build/simd-threads.wasm"),
      onProgress: () => abort.abort(new Error("stopped by the volunteer")),
      signal: abort.signal,
    });
    return "finished";
  } catch (error) {
    return `rejected: ${(error as Error).message}`;
  }
};
window.grokedgeTrain = grokedgeTrain;
window.grokedgeAbortInBackground = grokedgeAbortInBackground;
window.grokedgeTrainInBackground = grokedgeTrainInBackground;
