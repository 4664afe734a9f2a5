/**
 * `train(config, options)`: a whole run, with progress, cancellation and checkpoints. Works in Node,
 * browsers and Workers; give it a kernel instance (or where to load one from) and, for MNIST, the digits.
 */
import type { CurvePoint, RunResult } from "../config/run-result.js";
import type { MnistData } from "./tasks/mnist.js";
import { loadKernels, requireKernelsInWorkers, type KernelInstance, type WasmSource } from "../wasm/loader.js";
import type { Ops } from "../ops/ops.js";
import { TrainingRun } from "./training-run.js";
import { parseRunConfig } from "../config/run-config.js";

export interface Progress {
  step: number;
  steps: number;
  /** Present when this progress report comes with an evaluation. */
  point?: CurvePoint;
  /** Training steps per second so far (evaluation time excluded; 0 before the first step). */
  stepsPerSecond: number;
}

export interface TrainOptions {
  /** A loaded kernel instance, or the simd build's bytes / URL / compiled module. Default: build/simd.wasm next to this package. */
  kernels?: KernelInstance | WasmSource;
  /** The operations to run on: a thread pool's (see grokedge/node, trainInBackground); default one thread. */
  ops?: Ops;
  /** Threads `ops` uses (reported in the result's metadata); asked for without `ops`, the run stays on one thread and `meta.note` says why. */
  threads?: number;
  /** A note for the result's metadata. */
  note?: string;
  mnist?: MnistData;
  /** Called after every evaluation and at least every `progressIntervalMs`. */
  onProgress?: (progress: Progress) => void;
  progressIntervalMs?: number;
  /** Aborting rejects the run with an AbortError at the next step. */
  signal?: AbortSignal;
  /** Continue the run saved in these checkpoint bytes instead of starting `config` afresh. */
  resumeFrom?: Uint8Array;
  /** Stop (without finishing the run) once this many steps are done; with `onCheckpoint`, to split a run. */
  stopAtStep?: number;
  /** Receives checkpoint bytes when the run stops at `stopAtStep`. */
  onCheckpoint?: (bytes: Uint8Array) => void;
}

export async function loadDefaultKernels(source?: KernelInstance | WasmSource): Promise<KernelInstance> {
  if (source && "kernels" in source && "arena" in source) return source;
  requireKernelsInWorkers(source);
  return loadKernels((source as WasmSource | undefined) ?? new URL("../../build/simd.wasm", import.meta.url));
}

/**
 * Trains `config` (validated here, unless parseRunConfig already returned it) or resumes
 * `options.resumeFrom`. Hosts (grokedge/node, the browser coordinator) choose threads and data and
 * call this with a config they validated.
 */
export async function train(config: unknown, options: TrainOptions = {}): Promise<RunResult> {
  const kernels = await loadDefaultKernels(options.kernels);
  // Threads need a pool's ops; without them the run is on this thread, and the result must say so.
  const asked = options.threads ?? 1;
  const threads = options.ops ? asked : 1;
  const note = options.note ?? (threads < asked ? `asked for ${asked} threads; ran on 1 with the ${kernels.build} build: train() runs on the calling thread (use grokedge/node or trainInBackground for a pool)` : undefined);
  const env = { kernels, ops: options.ops, mnist: options.mnist, threads, note };
  const run = options.resumeFrom ? TrainingRun.resume(options.resumeFrom, env) : TrainingRun.create(parseRunConfig(config), env);
  try {
    await drive(run, options);
    if (options.stopAtStep !== undefined && !run.done) options.onCheckpoint?.(run.checkpoint());
    return await run.result();
  } finally {
    run.dispose();
  }
}

async function drive(run: TrainingRun, options: TrainOptions): Promise<void> {
  const interval = options.progressIntervalMs ?? 250;
  const stopAt = Math.min(options.stopAtStep ?? Infinity, run.config.steps);
  let lastYield = performance.now();
  let segmentStart = lastYield;
  const report = (point?: CurvePoint) => {
    options.onProgress?.({ step: run.step, steps: run.config.steps, point, stepsPerSecond: run.stepsPerSecond });
  };
  try {
    for (;;) {
      if (options.signal?.aborted) throw options.signal.reason ?? new DOMException("training was cancelled", "AbortError");
      if (run.evaluationDue) report(run.evaluate());
      if (run.done || run.step >= stopAt) return;
      run.trainStep();
      const now = performance.now();
      if (now - lastYield >= interval) {
        report();
        // Let the event loop breathe: progress rendering, abort signals, other work.
        await new Promise((resolve) => setTimeout(resolve, 0));
        lastYield = performance.now();
      }
    }
  } finally {
    run.addWallSeconds((performance.now() - segmentStart) / 1000);
  }
}
