/**
 * The Node entry point: the same API as the universal one, with the kernel build and the MNIST
 * digits read from this package's build/ folder when not given.
 */
import type { RunResult } from "./config/run-result.js";
import { loadMnistFromBuild } from "./data/mnist-node.js";
import { train as trainWith, type TrainOptions } from "./engine/train.js";
import { loadBuild } from "./wasm/node.js";

export * from "./index.js";
export { loadBuild, buildUrl } from "./wasm/node.js";
export { loadMnistFromBuild } from "./data/mnist-node.js";

/** train() with Node defaults: build/simd.wasm and, for the mnist task, build/mnist.bin. */
export async function train(config: unknown, options: TrainOptions = {}): Promise<RunResult> {
  const wantsMnist = typeof config === "object" && config !== null && (config as { task?: { kind?: unknown } }).task?.kind === "mnist";
  return trainWith(config, {
    ...options,
    kernels: options.kernels ?? (await loadBuild("simd")),
    mnist: options.mnist ?? (wantsMnist || options.resumeFrom ? await loadMnistFromBuild() : undefined),
  });
}
