/**
 * The training coordinator for browsers, run in a module Web Worker so the page's main thread never
 * blocks: it owns the run and, with threads, the pool (whose waits would freeze a page). The page
 * talks to it over comlink (see background.ts).
 */
import { expose, type ProxyOrClone } from "comlink";
import { parseRunConfig } from "../../config/run-config.js";
import type { RunResult } from "../../config/run-result.js";
import { loadMnist, type MnistData } from "../../engine/tasks/mnist.js";
import { train, type Progress } from "../../engine/train.js";
import { createBrowserThreadPool } from "./pool.js";
import { threadsUnavailableReason } from "../threads-available.js";

export interface BackgroundRunOptions {
  threads: number;
  /** Absolute URLs of build/simd.wasm, build/simd-threads.wasm, the pool worker script (default: the package's own, see pool.ts), and (mnist task) build/mnist.bin. */
  simdUrl: string;
  threadsUrl: string;
  poolWorkerUrl?: string;
  mnistUrl?: string;
}

export class Coordinator {
  async train(config: unknown, options: BackgroundRunOptions, onProgress?: ProxyOrClone<(p: Progress) => void>): Promise<RunResult> {
    // Validated once, here at the boundary: the engine takes the typed config as it is.
    const runConfig = parseRunConfig(config);
    let mnist: MnistData | undefined;
    if (runConfig.task.kind === "mnist") {
      if (!options.mnistUrl) throw new Error('the mnist task needs the digits: pass mnistUrl to trainInBackground (import { mnistUrl } from "grokedge/mnist")');
      mnist = await loadMnist(new URL(options.mnistUrl));
    }
    const report = onProgress ? (p: Progress) => void (onProgress as (p: Progress) => void)(p) : undefined;
    const unavailable = options.threads > 1 ? threadsUnavailableReason() : null;
    if (options.threads <= 1 || unavailable) {
      const note = unavailable ? `asked for ${options.threads} threads; ran on 1 with the simd build: ${unavailable}` : undefined;
      return train(runConfig, { kernels: new URL(options.simdUrl), mnist, onProgress: report, note });
    }
    const module = await WebAssembly.compileStreaming(fetch(options.threadsUrl));
    const pool = await createBrowserThreadPool(module, options.threads, options.poolWorkerUrl === undefined ? undefined : new URL(options.poolWorkerUrl));
    try {
      return await train(runConfig, { kernels: pool.kernels, ops: pool.ops, threads: options.threads, mnist, onProgress: report });
    } finally {
      await pool.close();
    }
  }
}

expose(new Coordinator());
