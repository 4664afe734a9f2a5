/**
 * Browser entry of the WebGPU test page (bundled by webgpu-page.ts): grokedge/webgpu's probe and
 * training, with the engine's kernels (for the run's starting point) from the page's /build/.
 */
import type { Progress } from "../../src/engine/train.js";
import { probeWebGpu, trainOnWebGpu } from "../../src/webgpu.js";
import type { WebGpuPageApi } from "./webgpu-page-api.js";

const api: WebGpuPageApi = {
  probe: probeWebGpu,
  async train(config, { abortAtStep } = {}) {
    const progress: Progress[] = [];
    const abort = new AbortController();
    const onProgress = (p: Progress) => {
      progress.push(p);
      if (abortAtStep !== undefined && p.step >= abortAtStep) abort.abort(new Error("stopped by the volunteer"));
    };
    try {
      const result = await trainOnWebGpu(config, { kernels: new URL("/build/simd.wasm", location.href), onProgress, signal: abort.signal });
      return { result, progress };
    } catch (error) {
      return { error: error instanceof Error ? error.message : String(error), progress };
    }
  },
};
window.grokedgeWebGpu = api;
