/** For pages: run training in a coordinator Web Worker (coordinator-worker.ts), keeping the main thread free. */
import { proxy, wrap } from "comlink";
import type { RunResult } from "../../config/run-result.js";
import type { Progress } from "../../engine/train.js";
import type { BackgroundRunOptions, Coordinator } from "./coordinator-worker.js";

export interface BackgroundOptions extends BackgroundRunOptions {
  /** URL of the bundled coordinator-worker script. */
  coordinatorUrl: string;
  onProgress?: (progress: Progress) => void;
  /** Aborting ends the coordinator worker (and its pool) at once and rejects with the signal's reason. */
  signal?: AbortSignal;
}

export async function trainInBackground(config: unknown, { coordinatorUrl, onProgress, signal, ...options }: BackgroundOptions): Promise<RunResult> {
  const worker = new Worker(coordinatorUrl, { type: "module" });
  // The coordinator blocks its thread while training, so it cannot hear an abort: terminating it is the way.
  const aborted = new Promise<never>((_, reject) => {
    if (signal?.aborted) reject(signal.reason);
    else signal?.addEventListener("abort", () => reject(signal.reason), { once: true });
  });
  // A script that fails to load, or a worker that dies, never answers: its error event is the only word of it.
  const failed = new Promise<never>((_, reject) => {
    const fail = (event: Event) => reject(new Error(`coordinator worker ${coordinatorUrl} failed${event instanceof ErrorEvent && event.message ? `: ${event.message}` : " (it did not load, or it crashed)"}`));
    worker.addEventListener("error", fail, { once: true });
    worker.addEventListener("messageerror", fail, { once: true });
  });
  try {
    const coordinator = wrap<Coordinator>(worker);
    return await Promise.race([coordinator.train(config, options, onProgress ? proxy(onProgress) : undefined), aborted, failed]);
  } finally {
    worker.terminate();
  }
}
