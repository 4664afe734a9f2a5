/**
 * "Re-verify in your browser": trains a validated unit's config here, on the thread pool as the
 * volunteer page does (trainInBackground, coordinator and pool workers from this origin), and
 * compares the paramsHash this browser computes with the published (validated) one and, when given,
 * its result digest with the published run's (`summary.resultDigest` of GET /api/sweeps/:id/runs),
 * which covers the published curves too. Training is bitwise reproducible on the wasm-simd backend,
 * so any difference means what was published is not this config's run.
 */
import type { RunConfig } from "../../src/config/run-config.js";
import { trainInBackground, type Progress } from "../../src/index.js";

const MAX_THREADS = 4;

export interface Reverification {
  /** The parameters, and the curves when a published digest was given, are this browser's run's. */
  matches: boolean;
  /** The published paramsHash and this browser's. */
  published: string;
  computed: string;
  /** Whether this browser's result digest equals the published one (so do the curves); null when none was given. */
  digestMatches: boolean | null;
  threads: number;
  build: string | null;
  seconds: number;
}

const at = (path: string) => new URL(path, location.origin).href;

export async function reverify(config: RunConfig, publishedHash: string, onProgress: (progress: Progress) => void, signal?: AbortSignal, publishedDigest?: string): Promise<Reverification> {
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
  const digestMatches = publishedDigest === undefined ? null : result.summary.resultDigest === publishedDigest;
  return {
    matches: result.summary.paramsHash === publishedHash && digestMatches !== false,
    published: publishedHash,
    computed: result.summary.paramsHash,
    digestMatches,
    threads: result.meta.threads,
    build: result.meta.build,
    seconds: (performance.now() - started) / 1000,
  };
}
