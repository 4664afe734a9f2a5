/**
 * The Worker `npm run bench:worker` times inside workerd: a replay as the server would run one —
 * resume a run from checkpoint bytes, train some steps, hash the parameters — one part per request,
 * so that the bench can read workerd's CPU time around each. One run at a time, kept in the isolate
 * between requests (fine under `wrangler dev`, where the isolate lives as long as the process).
 *
 *   POST /prepare   body: run config → a fresh kernel instance and the run's step-0 checkpoint (untimed set-up)
 *                   → { parameterCount, checkpointBytes }
 *   POST /resume    → the run resumed from that checkpoint → { wasmMemoryBytes }
 *   POST /steps?n=N → N training steps → { steps, ms } (ms: performance.now() around them)
 *   POST /evaluate  → one evaluation (train and test metrics, as at every evalInterval) → { step }
 *   POST /hash      → { paramsHash }
 *   GET  /clock     → { resolutionMs } the smallest step of performance.now()
 *
 * Errors come back as 500 { error }; 409 { error } when the isolate holds no prepared run (wrangler dev
 * reloaded the Worker after a source file changed).
 */
import simd from "../../build/simd.wasm";
import mnistBytes from "../../build/mnist.bin";
import { TrainingRun } from "../../src/engine/training-run.js";
import { parseMnist } from "../../src/engine/tasks/mnist.js";
import { loadKernels, type KernelInstance } from "../../src/wasm/loader.js";

// The MNIST asset travels inside the Worker as a Data module (1.6 MB gzipped, under the Worker size limits).
const mnist = parseMnist(mnistBytes);

let kernels: KernelInstance | undefined;
let checkpoint: Uint8Array | undefined;
let run: TrainingRun | undefined;

/** The isolate lost (or never had) the state a request needs. */
class NoStateError extends Error {}

function current(): TrainingRun {
  if (!run) throw new NoStateError("no run: POST /prepare and /resume first");
  return run;
}

/** The smallest nonzero step of performance.now(): workerd's timer resolution. */
function clockResolutionMs(): number {
  let smallest = Infinity;
  let last = performance.now();
  for (let seen = 0; seen < 20; ) {
    const now = performance.now();
    if (now !== last) {
      smallest = Math.min(smallest, now - last);
      last = now;
      seen++;
    }
  }
  return smallest;
}

async function handle(request: Request): Promise<unknown> {
  const url = new URL(request.url);
  switch (`${request.method} ${url.pathname}`) {
    case "GET /clock":
      return { resolutionMs: clockResolutionMs() };
    case "POST /prepare": {
      run?.dispose();
      run = undefined;
      // A fresh instance per model: its memory then holds this run alone, as in a replay.
      kernels = await loadKernels(simd);
      const fresh = TrainingRun.create(await request.json(), { kernels, mnist });
      checkpoint = fresh.checkpoint();
      const parameterCount = fresh.parameterCount;
      fresh.dispose();
      return { parameterCount, checkpointBytes: checkpoint.byteLength };
    }
    case "POST /resume":
      if (!kernels || !checkpoint) throw new NoStateError("nothing prepared: POST /prepare first");
      run = TrainingRun.resume(checkpoint, { kernels, mnist });
      return { wasmMemoryBytes: kernels.memory.buffer.byteLength };
    case "POST /steps": {
      const n = Number(url.searchParams.get("n"));
      if (!Number.isInteger(n) || n < 1) throw new Error(`n must be a positive integer, got ${url.searchParams.get("n")}`);
      const r = current();
      const t0 = performance.now();
      for (let i = 0; i < n; i++) r.trainStep();
      return { steps: n, ms: performance.now() - t0 };
    }
    case "POST /evaluate":
      return { step: current().evaluate().step };
    case "POST /hash":
      return { paramsHash: await current().paramsHash() };
    default:
      throw new Error(`no route ${request.method} ${url.pathname}`);
  }
}

export default {
  async fetch(request: Request): Promise<Response> {
    try {
      return Response.json(await handle(request));
    } catch (error) {
      return Response.json({ error: error instanceof Error ? error.message : String(error) }, { status: error instanceof NoStateError ? 409 : 500 });
    }
  },
};
