/**
 * The Node entry point: the same API as the universal one, with the kernel build and the MNIST
 * digits read from this package's build/ folder when not given.
 */
import { parseRunConfig } from "./config/run-config.js";
import type { RunResult } from "./config/run-result.js";
import { loadMnistFromBuild } from "./hosts/node/mnist.js";
import { checkpointHeader } from "./engine/checkpoint.js";
import { train as trainWith, type TrainOptions } from "./engine/train.js";
import { createNodeThreadPool } from "./hosts/node/pool.js";
import { loadBuild } from "./hosts/node/builds.js";

export * from "./index.js";
export { loadBuild, buildUrl } from "./hosts/node/builds.js";
export { loadMnistFromBuild } from "./hosts/node/mnist.js";

/**
 * train() with Node defaults: build/simd.wasm and, for the mnist task, build/mnist.bin. With
 * `threads` > 1, a pool of worker threads over the simd-threads build (same bits as one thread).
 */
export async function train(config: unknown, options: TrainOptions = {}): Promise<RunResult> {
  // Validated once, here at the boundary: the engine takes the typed config as it is.
  const runConfig = options.resumeFrom ? undefined : parseRunConfig(config);
  const task = runConfig?.task ?? checkpointHeader(options.resumeFrom!).config.task;
  const mnist = options.mnist ?? (task.kind === "mnist" ? await loadMnistFromBuild() : undefined);
  const threads = options.threads ?? 1;
  if (threads === 1 || options.kernels) {
    const note = threads > 1 && !options.ops ? `asked for ${threads} threads; ran on 1: a kernel instance was passed (pass threads without kernels for a pool)` : options.note;
    return trainWith(runConfig, { ...options, kernels: options.kernels ?? (await loadBuild("simd")), mnist, note });
  }
  const pool = await createNodeThreadPool(threads);
  try {
    return await trainWith(runConfig, { ...options, kernels: pool.kernels, ops: pool.ops, threads, mnist });
  } finally {
    await pool.close();
  }
}
