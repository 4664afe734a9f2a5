/** For pages: run training in a coordinator Web Worker (coordinator-worker.ts), keeping the main thread free. */
import { proxy, wrap } from "comlink";
import type { RunResult } from "../config/run-result.js";
import type { Progress } from "../engine/train.js";
import type { BackgroundRunOptions, Coordinator } from "./coordinator-worker.js";

export interface BackgroundOptions extends BackgroundRunOptions {
  /** URL of the bundled coordinator-worker script. */
  coordinatorUrl: string;
  onProgress?: (progress: Progress) => void;
}

export async function trainInBackground(config: unknown, { coordinatorUrl, onProgress, ...options }: BackgroundOptions): Promise<RunResult> {
  const worker = new Worker(coordinatorUrl, { type: "module" });
  try {
    const coordinator = wrap<Coordinator>(worker);
    return await coordinator.train(config, options, onProgress ? proxy(onProgress) : undefined);
  } finally {
    worker.terminate();
  }
}
