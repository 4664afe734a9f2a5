/** For pages: run training in a coordinator Web Worker (coordinator-worker.ts), keeping the main thread free. */
import { proxy, wrap } from "comlink";
import type { RunResult } from "../../config/run-result.js";
import type { Progress } from "../../engine/train.js";
import type { BackgroundRunOptions, Coordinator } from "./coordinator-worker.js";

/**
 * Every URL defaults to this package's own file, written as `new URL(path, import.meta.url)` so that
 * bundlers find and emit them: Vite as it is, esbuild with grokedge/esbuild's plugin. Pass URLs to
 * serve the files yourself. (The package keeps build/ beside src/ in dist/ too, so the paths hold in
 * the sources and in the package alike.)
 */
export interface BackgroundOptions {
  threads: number;
  /** The coordinator worker script (grokedge/browser/coordinator-worker, bundled). */
  coordinatorUrl?: string;
  /** The thread pool's worker script (grokedge/browser/pool-worker, bundled). */
  poolWorkerUrl?: string;
  /** grokedge/simd.wasm, the single-thread build. */
  simdUrl?: string;
  /** grokedge/simd-threads.wasm, the build a pool shares. */
  threadsUrl?: string;
  /** The MNIST digits, for the mnist task only (`mnistUrl` of grokedge/mnist): no default, so that pages that never train on MNIST never carry 7.8 MB. */
  mnistUrl?: string;
  onProgress?: (progress: Progress) => void;
  /** Aborting ends the coordinator worker (and its pool) at once and rejects with the signal's reason. */
  signal?: AbortSignal;
}

export async function trainInBackground(config: unknown, { coordinatorUrl, onProgress, signal, simdUrl, threadsUrl, ...options }: BackgroundOptions): Promise<RunResult> {
  const runOptions: BackgroundRunOptions = {
    ...options,
    simdUrl: simdUrl ?? new URL("../../../build/simd.wasm", import.meta.url).href,
    threadsUrl: threadsUrl ?? new URL("../../../build/simd-threads.wasm", import.meta.url).href,
  };
  // Bundlers recognise a worker only in this one form: new Worker(new URL(path, import.meta.url), { type: "module" }).
  const worker = coordinatorUrl ? new Worker(coordinatorUrl, { type: "module" }) : new Worker(new URL("./coordinator-worker.js", import.meta.url), { type: "module" });
  const name = coordinatorUrl ?? "coordinator-worker.js";
  // The coordinator blocks its thread while training, so it cannot hear an abort: terminating it is the way.
  const aborted = new Promise<never>((_, reject) => {
    if (signal?.aborted) reject(signal.reason);
    else signal?.addEventListener("abort", () => reject(signal.reason), { once: true });
  });
  // A script that fails to load, or a worker that dies, never answers: its error event is the only word of it.
  const failed = new Promise<never>((_, reject) => {
    const fail = (event: Event) => reject(new Error(`coordinator worker ${name} failed${event instanceof ErrorEvent && event.message ? `: ${event.message}` : " (it did not load, or it crashed)"}`));
    worker.addEventListener("error", fail, { once: true });
    worker.addEventListener("messageerror", fail, { once: true });
  });
  try {
    const coordinator = wrap<Coordinator>(worker);
    return await Promise.race([coordinator.train(config, runOptions, onProgress ? proxy(onProgress) : undefined), aborted, failed]);
  } finally {
    worker.terminate();
  }
}
