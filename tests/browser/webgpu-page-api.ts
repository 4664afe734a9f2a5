/** What the WebGPU test page (webgpu-entry.ts, bundled for the browser) puts on `window`. */
import type { RunResult } from "../../src/config/run-result.js";
import type { Progress } from "../../src/engine/train.js";
import type { WebGpuSupport } from "../../src/webgpu.js";

/** How a run in the page ended: its result, or the message it was rejected with; the progress reports either way. */
export type PageRun = { result: RunResult; progress: Progress[] } | { error: string; progress: Progress[] };

export interface WebGpuPageApi {
  probe(): Promise<WebGpuSupport | null>;
  /** trainOnWebGpu on the page, aborting at the first progress report at or past `abortAtStep` if given. */
  train(config: unknown, options?: { abortAtStep?: number }): Promise<PageRun>;
}

declare global {
  interface Window {
    grokedgeWebGpu: WebGpuPageApi;
  }
}
