/**
 * The GPU path (src/webgpu.ts: TensorFlow.js on WebGPU), loaded on demand so that a page that
 * trains on the processor only never loads TensorFlow.js. Without navigator.gpu there is nothing
 * to probe and the module is not loaded at all.
 */
import type { RunConfig } from "../../src/config/run-config.js";
import type { RunResult } from "../../src/config/run-result.js";
import { loadMnist, type Progress } from "../../src/index.js";

let loaded: Promise<typeof import("../../src/webgpu.js")> | null = null;
const webgpu = () => (loaded ??= import("../../src/webgpu.js"));

/** The adapter's description, or null when this browser offers none. */
export async function findGpuAdapter(): Promise<string | null> {
  if (!("gpu" in navigator)) return null;
  return (await (await webgpu()).probeWebGpu())?.adapter ?? null;
}

/** Trains on the GPU with the page's own copies of the engine's simd build (its initialisation draws the starting point) and of MNIST. */
export async function trainOnGpu(config: RunConfig, options: { onProgress: (progress: Progress) => void; signal: AbortSignal }): Promise<RunResult> {
  const at = (path: string) => new URL(path, location.href);
  const [{ trainOnWebGpu }, mnist] = await Promise.all([webgpu(), config.task.kind === "mnist" ? loadMnist(at("/build/mnist.bin")) : undefined]);
  return trainOnWebGpu(config, { ...options, kernels: at("/build/simd.wasm"), mnist });
}
