/**
 * A whole training run on a TensorFlow.js backend, reported as the engine reports its own: a
 * RunResult of the same schema, for the GPU path (grokedge/webgpu) and, on tfjs-backend-wasm, for
 * tests in Node. What it shares with the engine, and what it cannot:
 *
 * - the start: the engine's own TrainingRun draws the data split and the initial parameters for the
 *   config's seed (norm constraint included) and hands them over through a checkpoint, so both
 *   backends start from the same bits. That costs the engine's working set in wasm memory for a
 *   moment (released before training starts);
 * - the steps: full batches, or the engine's mini-batch order exactly (src/tfjs/batch-order.ts);
 *   the models' twins, loss and optimizer in tfjs ops (src/tfjs/), f32 on the device, so the run
 *   drifts from the engine's by rounding and is not bitwise reproducible — hence the result's
 *   `meta.backend`, and the API never counts it toward a quorum;
 * - evaluations at the engine's steps (evaluatesAt), with its definitions (src/tfjs/evaluate.ts);
 *   curve points (a non-finite loss or norm as null), the summary and its digest by the engine's code
 *   (curvePointOf, summarizeRun); `paramsHash` by the engine's hash of the final parameters' bytes
 *   (little-endian f32, layout order, NaN canonicalised).
 *
 * Asynchronous backends (WebGPU) queue steps; the run waits for the device only to evaluate, to
 * report progress (every `progressIntervalMs`) and every MAX_QUEUED_STEPS steps, so the queue stays
 * short and an abort takes effect within a few steps. Training time (stepsPerSecond) is measured
 * to those waits, evaluations excluded, as the engine's.
 */
import { reachedEarlyStop } from "../config/curve-summary.js";
import { parseRunConfig, type RunConfig } from "../config/run-config.js";
import type { CurvePoint, RunMeta, RunResult } from "../config/run-result.js";
import { decodeCheckpoint } from "../engine/checkpoint.js";
import { paramsHash } from "../engine/hash.js";
import { Rng } from "../engine/random.js";
import { evaluatesAt } from "../engine/run-plan.js";
import { curvePointOf, summarizeRun } from "../engine/run-summary.js";
import { buildDataset, type Dataset } from "../engine/tasks/dataset.js";
import type { MnistData } from "../engine/tasks/mnist.js";
import type { Progress } from "../engine/train.js";
import { TrainingRun, type RunEnvironment } from "../engine/training-run.js";
import { ENGINE_VERSION } from "../engine/version.js";
import { EngineBatchOrder } from "./batch-order.js";
import { createTfjsEvaluation } from "./evaluate.js";
import { createTfjsRun, type TfjsRun } from "./run.js";
import type { Tf } from "./twin.js";

/** Steps queued on an asynchronous backend before the run waits for them. */
export const MAX_QUEUED_STEPS = 8;

/** The result's `meta.backend` for each tfjs backend a run may be tagged with. */
const BACKEND_TAGS: Record<string, RunMeta["backend"]> = { webgpu: "tfjs-webgpu", wasm: "tfjs-wasm" };

export interface TfjsTrainOptions {
  /** The engine's kernels (simd build): its own initialisation draws the starting point. */
  kernels: RunEnvironment["kernels"];
  /** MNIST digits, for the mnist task. */
  mnist?: MnistData;
  /** Called after every evaluation and at least every `progressIntervalMs` (default 250). */
  onProgress?: (progress: Progress) => void;
  progressIntervalMs?: number;
  /** Aborting rejects the run with the signal's reason (or an AbortError) within MAX_QUEUED_STEPS steps. */
  signal?: AbortSignal;
  /** A note for the result's metadata (e.g. the GPU adapter). */
  note?: string;
}

/**
 * Trains `config` on tfjs's active backend (`tf.getBackend()`: "webgpu" or "wasm", set up and ready),
 * and returns its result with `meta.backend` "tfjs-webgpu" or "tfjs-wasm".
 */
export async function trainWithTfjs(tf: Tf, config: unknown, options: TfjsTrainOptions): Promise<RunResult> {
  const cfg = parseRunConfig(config);
  const backend = backendTag(tf.getBackend());
  const { run, data } = createTfjsRunLikeEngine(tf, cfg, options);
  let evaluation: ReturnType<typeof createTfjsEvaluation> | undefined;
  try {
    evaluation = createTfjsEvaluation(tf, run, data.train, data.test);
    const curves: CurvePoint[] = [];
    const timing = await drive(cfg, curves, run, evaluation, options);
    const params = new Float32Array(run.parameterCount);
    for (const [i, v] of run.variables.entries()) params.set((await v.data()) as Float32Array, run.layout.tensors[i].index);
    return {
      config: cfg,
      curves,
      summary: await summarizeRun(cfg, curves, {
        stepsRun: run.steps,
        paramsHash: await paramsHash(params),
        parameterCount: run.parameterCount,
        ...timing,
      }),
      meta: { engineVersion: ENGINE_VERSION, backend, build: null, threads: 1, ...(options.note ? { note: options.note } : {}) },
    };
  } finally {
    evaluation?.dispose();
    run.dispose();
  }
}

/** The RunMeta backend of a tfjs backend, or an error naming the ones a result can be tagged with. */
export function backendTag(name: string): RunMeta["backend"] {
  const tag = Object.hasOwn(BACKEND_TAGS, name) ? BACKEND_TAGS[name] : undefined;
  if (!tag) throw new Error(`tfjs backend "${name}" cannot be reported: a tfjs run's result is tagged tfjs-webgpu or tfjs-wasm, so set the "webgpu" or "wasm" backend`);
  return tag;
}

/**
 * A tfjs run of `config` set up as the engine's run of it: from the engine's starting point (its
 * split, the run's first draw from its seeded stream, and its initial parameters), on the engine's
 * batches, with the norm constraint's factor on the device. `data` is the split, for evaluation.
 */
export function createTfjsRunLikeEngine(tf: Tf, config: unknown, { kernels, mnist }: Pick<TfjsTrainOptions, "kernels" | "mnist">): { run: TfjsRun; data: Dataset } {
  const cfg = parseRunConfig(config);
  const engine = TrainingRun.create(cfg, { kernels, mnist });
  let bytes: Uint8Array;
  try {
    bytes = engine.checkpoint();
  } finally {
    engine.dispose();
  }
  const { header, params } = decodeCheckpoint(bytes);
  const data = buildDataset(cfg.task, new Rng(cfg.seed), mnist);
  // The mini-batch order continues the seeded stream where the engine's initialisation left it.
  const order = cfg.batchSize === "full" ? undefined : new EngineBatchOrder(header.rng, data.train.count, Math.min(cfg.batchSize, data.train.count));
  const run = createTfjsRun(tf, cfg, params, data.train, { nextBatchRows: order && (() => order.next()), normOnDevice: true });
  return { run, data };
}

interface Timing {
  stepsPerSecond: number;
  wallSeconds: number;
}

/** The training loop: evaluations when due, steps, progress, abort; fills `curves`. */
async function drive(cfg: RunConfig, curves: CurvePoint[], run: TfjsRun, evaluation: ReturnType<typeof createTfjsEvaluation>, options: TfjsTrainOptions): Promise<Timing> {
  const interval = options.progressIntervalMs ?? 250;
  const started = performance.now();
  let trainMs = 0;
  let segmentStart = started;
  let lastReport = started;
  /** Losses of the steps queued since the last wait: reading the newest waits for all of them. */
  const queued: ReturnType<typeof run.enqueueStep>[] = [];
  const stepsPerSecond = () => (trainMs > 0 ? run.steps / (trainMs / 1000) : 0);
  const report = (point?: CurvePoint) => options.onProgress?.({ step: run.steps, steps: cfg.steps, point, stepsPerSecond: stepsPerSecond() });
  /** Waits for the queued steps and adds the segment since the last wait to the training time. */
  const settle = async () => {
    try {
      if (queued.length > 0) await queued[queued.length - 1].data();
    } finally {
      for (const loss of queued.splice(0)) loss.dispose();
    }
    trainMs += performance.now() - segmentStart;
  };
  try {
    for (;;) {
      if (options.signal?.aborted) throw options.signal.reason ?? new DOMException("training was cancelled", "AbortError");
      if (curves.at(-1)?.step !== run.steps && evaluatesAt(cfg, run.steps)) {
        await settle();
        const point = curvePointOf(run.steps, await evaluation.measure());
        curves.push(point);
        report(point);
        segmentStart = lastReport = performance.now();
      }
      if (run.steps >= cfg.steps || reachedEarlyStop(cfg, curves)) break;
      queued.push(run.enqueueStep());
      const now = performance.now();
      if (now - lastReport >= interval || queued.length >= MAX_QUEUED_STEPS) {
        await settle();
        if (now - lastReport >= interval) {
          report();
          // Let the event loop breathe: progress rendering, abort signals, other work.
          await new Promise((resolve) => setTimeout(resolve, 0));
          lastReport = performance.now();
        }
        segmentStart = performance.now();
      }
    }
  } finally {
    for (const loss of queued) loss.dispose();
  }
  return { stepsPerSecond: stepsPerSecond(), wallSeconds: (performance.now() - started) / 1000 };
}
