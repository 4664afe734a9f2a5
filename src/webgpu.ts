/**
 * grokedge/webgpu: training runs on the GPU, through TensorFlow.js's WebGPU backend, for volunteers
 * whose browser offers a WebGPU adapter. The run is the engine's tfjs backend (src/tfjs/train.ts):
 * the engine's starting point, data split and batch order, its evaluation and summary, the result
 * tagged `meta.backend: "tfjs-webgpu"`. GPU arithmetic is not bitwise reproducible, so the API never
 * counts such a result toward a quorum: it is compared with the unit's validated wasm result instead.
 *
 * A separate entry point, never imported by the engine's (`grokedge`): TensorFlow.js
 * (@tensorflow/tfjs-core and @tensorflow/tfjs-backend-webgpu, optional peer dependencies) is loaded
 * on the first trainOnWebGpu, not by importing this module, and probeWebGpu never loads it.
 */
import { parseRunConfig } from "./config/run-config.js";
import type { RunResult } from "./config/run-result.js";
import { loadDefaultKernels, type Progress, type TrainOptions } from "./engine/train.js";
import { trainWithTfjs } from "./tfjs/train.js";
import type { Tf } from "./tfjs/twin.js";

export interface WebGpuSupport {
  /** A human description of the adapter (vendor, architecture, device), e.g. "google swiftshader". */
  adapter: string;
}

export interface WebGpuTrainOptions {
  /** Called after every evaluation and at least every `progressIntervalMs` (default 250). */
  onProgress?: (progress: Progress) => void;
  progressIntervalMs?: number;
  /** Aborting rejects the run with the signal's reason within a few steps. */
  signal?: AbortSignal;
  /**
   * The engine's simd build (a loaded instance, or its bytes / URL / compiled module), whose own
   * initialisation draws the run's starting point. Default: build/simd.wasm of this package, as train().
   */
  kernels?: TrainOptions["kernels"];
  /** MNIST digits, for the mnist task (loadMnist). */
  mnist?: TrainOptions["mnist"];
}

/** The part of WebGPU this module touches (TypeScript's DOM library has no WebGPU types yet). */
interface GpuAdapterInfo {
  vendor?: string;
  architecture?: string;
  device?: string;
  description?: string;
}
interface Gpu {
  requestAdapter(): Promise<{ info?: GpuAdapterInfo; isFallbackAdapter?: boolean } | null>;
}

/** The WebGPU adapter this browser offers, or null: no navigator.gpu (no WebGPU, or not a secure context) or no adapter. */
export async function probeWebGpu(): Promise<WebGpuSupport | null> {
  const gpu = (globalThis.navigator as { gpu?: Gpu } | undefined)?.gpu;
  if (!gpu) return null;
  // requestAdapter may reject (e.g. a blocklisted driver) as well as answer null; both mean no GPU here.
  const adapter = await gpu.requestAdapter().catch(() => null);
  if (!adapter) return null;
  const info = adapter.info ?? {};
  const parts = [info.vendor, info.architecture, info.device, info.description].filter((part): part is string => !!part);
  const described = [...new Set(parts)].join(" ") || "unnamed adapter";
  return { adapter: adapter.isFallbackAdapter ? `${described} (fallback adapter)` : described };
}

/**
 * Trains `config` (a run config; errors name the bad field) on the WebGPU backend of TensorFlow.js
 * and returns its RunResult, `meta.backend` "tfjs-webgpu" and the adapter in `meta.note`. Rejects
 * when this browser has no WebGPU adapter: train() or trainInBackground() run on the wasm engine.
 */
export async function trainOnWebGpu(config: unknown, options: WebGpuTrainOptions = {}): Promise<RunResult> {
  const cfg = parseRunConfig(config);
  const support = await probeWebGpu();
  if (!support) throw new Error("WebGPU is not available in this browser (no navigator.gpu adapter): train on the wasm engine with train() or trainInBackground()");
  const [tf, kernels] = await Promise.all([loadTfjsWebGpu(), loadDefaultKernels(options.kernels)]);
  return trainWithTfjs(tf, cfg, {
    kernels,
    mnist: options.mnist,
    onProgress: options.onProgress,
    progressIntervalMs: options.progressIntervalMs,
    signal: options.signal,
    note: `WebGPU adapter: ${support.adapter}`,
  });
}

let tfjsWebGpu: Promise<Tf> | undefined;

/** tfjs-core with every gradient registered and the WebGPU backend set and ready; loaded once (again after a failure). */
function loadTfjsWebGpu(): Promise<Tf> {
  tfjsWebGpu ??= (async () => {
    let tf: Tf;
    try {
      tf = await import("@tensorflow/tfjs-core");
      // tfjs-core's module entry registers no gradients (the @tensorflow/tfjs bundle does); training needs them.
      await import("@tensorflow/tfjs-core/dist/register_all_gradients.js");
      await import("@tensorflow/tfjs-backend-webgpu");
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      throw new Error(`could not load TensorFlow.js (@tensorflow/tfjs-core and @tensorflow/tfjs-backend-webgpu 4.22, optional peer dependencies of grokedge: install them to train on WebGPU): ${reason}`, { cause: error });
    }
    if (!(await tf.setBackend("webgpu"))) throw new Error("TensorFlow.js could not initialise its WebGPU backend");
    await tf.ready();
    return tf;
  })().catch((error: unknown) => {
    tfjsWebGpu = undefined;
    throw error;
  });
  return tfjsWebGpu;
}
