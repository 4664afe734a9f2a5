/**
 * "Re-verify in your browser": trains a validated unit's config here, on the thread pool as the
 * volunteer page does (trainInBackground, coordinator and pool workers from this origin), and
 * compares the paramsHash this browser computes with the published (validated) one. Training is
 * bitwise reproducible on the wasm-simd backend, so any difference means the published hash is not
 * that of this config's run.
 */
import type { RunConfig } from "../../src/config/run-config.js";
import { trainInBackground, type Progress } from "../../src/index.js";

const MAX_THREADS = 4;

export interface Reverification {
  matches: boolean;
  published: string;
  computed: string;
  threads: number;
  build: string | null;
  seconds: number;
}

const at = (path: string) => new URL(path, location.origin).href;

export async function reverify(config: RunConfig, publishedHash: string, onProgress: (progress: Progress) => void, signal?: AbortSignal): Promise<Reverification> {
  const started = performance.now();
  const result = await trainInBackground(config, {
    threads: Math.max(1, Math.min(MAX_THREADS, navigator.hardwareConcurrency || 1)),
    coordinatorUrl: at("/coordinator.js"),
    poolWorkerUrl: at("/pool-worker.js"),
    simdUrl: at("/build/simd.wasm"),
    threadsUrl: at("/build/simd-threads.wasm"),
    mnistUrl: at("/build/mnist.bin"),
    onProgress,
    signal,
  });
  return {
    matches: result.summary.paramsHash === publishedHash,
    published: publishedHash,
    computed: result.summary.paramsHash,
    threads: result.meta.threads,
    build: result.meta.build,
    seconds: (performance.now() - started) / 1000,
  };
}
