/**
 * npm run bench:train [-- --quick] [-- --threads N] — milliseconds per full training step (forward,
 * backward, AdamW update) of the reference models: our engine on one thread and on a pool of N
 * threads (default 2), against the same run configs trained by the engine's TensorFlow.js backend
 * (src/tfjs/: the models' tfjs twins, loss and AdamW) on @tensorflow/tfjs-backend-wasm, single
 * thread, in the same process, from the same initial parameters on the same training split. Then
 * (unless --quick) the end-to-end grokking run of the MLP with our engine, on one thread and on N:
 * wall time until test accuracy ≥ 0.99.
 * Prints a table and, as its last line, one JSON object.
 */
// tfjs-core's Node bundle registers no gradients, and its ESM gradient modules do not load in Node
// (directory imports); the @tensorflow/tfjs bundle registers them all into tfjs's global registry,
// which tfjs-core shares. Only that side effect is used: src/tfjs takes the tfjs-core namespace.
import "@tensorflow/tfjs";
import { parseRunConfig, type RunConfigInput, type TaskConfig } from "../src/config/run-config.js";
import { decodeCheckpoint } from "../src/engine/checkpoint.js";
import { modelKind } from "../src/engine/models/index.js";
import { buildDataset, taskShape, type DataSplit } from "../src/engine/tasks/dataset.js";
import type { MnistData } from "../src/engine/tasks/mnist.js";
import { Rng } from "../src/engine/random.js";
import { TrainingRun } from "../src/engine/training-run.js";
import { loadBuild, loadMnistFromBuild, train } from "../src/node.js";
import type { Ops } from "../src/ops/ops.js";
import { createNodeThreadPool } from "../src/hosts/node/pool.js";
import type { KernelInstance } from "../src/wasm/loader.js";
import { createTfjsRun, type TfjsRun } from "../src/tfjs/index.js";
import { tfjsWasmSingleThread } from "./support/tfjs-wasm.js";
import { burstMs, formatSpread, medianMs, printTable, round, roundSpread, spread, type Spread } from "./support/timing.js";
import { MLP_CONFIG, MNIST_CONFIG, TRANSFORMER_CONFIG } from "../src/config/reference-configs.js";
import { planRun } from "../src/engine/run-plan.js";
import type { PoolExecutor } from "../src/ops/pool/pool-executor.js";

const quick = process.argv.includes("--quick");
const threadsArg = process.argv.indexOf("--threads");
const THREADS = threadsArg >= 0 ? Number(process.argv[threadsArg + 1]) : 2;
if (!Number.isInteger(THREADS) || THREADS < 2) throw new Error(`--threads must be an integer ≥ 2, got ${process.argv[threadsArg + 1]}`);

/** Our side on one thread and on the pool, in interleaved rounds with the SIMD peak probe; medians with min–max. */
interface OursResult {
  ms: Spread;
  threadedMs: Spread;
  /** ms(1 thread) / ms(pool) of the same round. */
  speedup: Spread;
  /** Executed FLOPs per step (run plan) / step time / probe peak (× threads on the pool), per round. */
  efficiency: Spread;
  threadedEfficiency: Spread;
  /** Share of a pool step the coordinator spends waiting for workers once no chunk is left, and computing chunks. */
  waitShare: Spread;
  sliceShare: Spread;
  /** Share of the split calls' chunks the coordinator ran itself (1/threads when every thread runs as fast). */
  coordinatorChunkShare: Spread;
  flopsPerStep: number;
  params: number;
  rows: number;
  /** null: not finite (the run diverged). */
  lossBefore: number | null;
  lossAfter: number | null;
  steps: number;
}

const ROUNDS = 7;
const BURST_MS = 400;
const PROBE_ITERATIONS = 100_000;

/** GFLOP/s of one probe burst (independent f32x4 mul+add chains: the single-thread SIMD ceiling). */
function probeGflops(): number {
  const flops = kernels.kernels.F32_PEAK_FLOPS_PER_ITERATION.value * PROBE_ITERATIONS;
  return flops / burstMs(() => kernels.kernels.f32_peak_wasmsimd(PROBE_ITERATIONS, 0.999, 0.001), 100) / 1e6;
}

function timeOurs(config: RunConfigInput, mnist?: MnistData): OursResult | { error: string } {
  const runs: TrainingRun[] = [];
  try {
    for (const env of [{ kernels }, pool]) runs.push(TrainingRun.create(config, { ...env, mnist }));
  } catch (e) {
    runs.forEach((r) => r.dispose());
    return { error: (e instanceof Error ? e.message : String(e)).replace(/\s*\n\s*/g, " ") };
  }
  const [serial, threaded] = runs;
  try {
    const parsed = parseRunConfig(config);
    const plan = planRun(parsed);
    const lossBefore = serial.evaluate().trainLoss;
    for (const run of runs) for (let i = 0; i < 2; i++) run.trainStep(); // warm-up
    const ms: number[] = [], threadedMs: number[] = [], peak: number[] = [], waitShare: number[] = [], sliceShare: number[] = [], coordinatorChunkShare: number[] = [];
    for (let r = 0; r < ROUNDS; r++) {
      peak.push(probeGflops());
      ms.push(burstMs(() => serial.trainStep(), BURST_MS));
      const before = { ...poolStats }, steps0 = threaded.step;
      threadedMs.push(burstMs(() => threaded.trainStep(), BURST_MS));
      waitShare.push((poolStats.waitMs - before.waitMs) / (threadedMs.at(-1)! * (threaded.step - steps0)));
      sliceShare.push((poolStats.sliceMs - before.sliceMs) / (threadedMs.at(-1)! * (threaded.step - steps0)));
      coordinatorChunkShare.push((poolStats.coordinatorChunks - before.coordinatorChunks) / (poolStats.chunks - before.chunks));
    }
    const efficiency = (stepMs: number[], threads: number) => spread(stepMs.map((t, r) => plan.flops.perStep / (t * 1e6) / (peak[r] * threads)));
    const steps = serial.step;
    const lossAfter = serial.evaluate().trainLoss;
    return {
      ms: spread(ms),
      threadedMs: spread(threadedMs),
      speedup: spread(ms.map((t, r) => t / threadedMs[r])),
      efficiency: efficiency(ms, 1),
      threadedEfficiency: efficiency(threadedMs, THREADS),
      waitShare: spread(waitShare),
      sliceShare: spread(sliceShare),
      coordinatorChunkShare: spread(coordinatorChunkShare),
      flopsPerStep: plan.flops.perStep,
      params: serial.parameterCount,
      rows: plan.rowsPerStep,
      lossBefore,
      lossAfter,
      steps,
    };
  } finally {
    runs.forEach((r) => r.dispose());
  }
}

/** The training split our run draws for this config (the run's first use of its seeded stream is the split). */
function trainSplit(config: RunConfigInput, mnist?: MnistData): DataSplit {
  // The task alone (no defaults to fill), so the tfjs side runs even if our side rejects the model.
  return buildDataset(config.task as TaskConfig, new Rng(config.seed), mnist).train;
}

/**
 * The initial parameters our run starts from (its parameter buffer, layout order), so both sides
 * start alike. If our side rejects the config (e.g. too big for wasm memory), the same draw in JS:
 * the layout's normal or constant values from the run's seeded stream after its data split, with
 * Math.log for the kernels' log (the same up to an ulp here and there).
 */
function initialParams(config: RunConfigInput, mnist?: MnistData): Float32Array {
  try {
    const run = TrainingRun.create(config, { kernels, mnist });
    try {
      return decodeCheckpoint(run.checkpoint()).params;
    } finally {
      run.dispose();
    }
  } catch {
    const parsed = parseRunConfig(config);
    const rng = new Rng(parsed.seed);
    buildDataset(parsed.task, rng, mnist);
    const layout = modelKind(parsed.model).layout(parsed.model, taskShape(parsed.task));
    const params = new Float32Array(layout.total);
    for (const t of layout.tensors) {
      const view = params.subarray(t.index, t.index + t.size);
      if (t.constant !== undefined) view.fill(t.constant);
      else rng.fillNormal(view, t.std * parsed.initScale, Math.log);
    }
    return params;
  }
}

/** tfjs side: the same config as ours through src/tfjs, from the same start on the same training split. */
function tfjsRun(config: RunConfigInput, mnist?: MnistData): TfjsRun {
  return createTfjsRun(tf, config, initialParams(config, mnist), trainSplit(config, mnist));
}

/** tfjs side: a handful of steps (the MLP takes ~0.6–0.9 s each), their median, with the loss of the first and last step. */
interface TheirsResult { ms: number; params: number; rows: number; lossBefore: number; lossAfter: number; steps: number }

function timeTfjs(make: () => TfjsRun, repeats: number): TheirsResult {
  const t = make();
  try {
    let steps = 0, first = NaN, last = NaN;
    const step = () => {
      last = t.step();
      if (steps++ === 0) first = last;
    };
    const ms = medianMs(step, { warmup: 2, minRepeats: repeats, minMs: 0 });
    return { ms, params: t.parameterCount, rows: t.rows, lossBefore: first, lossAfter: last, steps };
  } finally {
    t.dispose();
  }
}

const tf = await tfjsWasmSingleThread();
const kernels = await loadBuild("simd");
const pool = await createNodeThreadPool(THREADS);
const mnist = await loadMnistFromBuild();
const poolStats = (pool.ops.executor as PoolExecutor).stats;

interface Row { model: string; ours: OursResult | { error: string }; tfjs: TheirsResult }
const rows: Row[] = [];
const log = (msg: string) => process.stderr.write(msg + "\n");

{
  log("timing (1) MLP p=97 …");
  const ours = timeOurs(MLP_CONFIG);
  const tfjs = timeTfjs(() => tfjsRun(MLP_CONFIG), 5);
  rows.push({ model: "MLP p=97 emb128 ×2→256→97", ours, tfjs });
}
{
  log("timing (2) transformer p=113 …");
  const ours = timeOurs(TRANSFORMER_CONFIG);
  const tfjs = timeTfjs(() => tfjsRun(TRANSFORMER_CONFIG), 3);
  rows.push({ model: "transformer p=113 1L d128 h4 mlp512", ours, tfjs });
}
{
  log("timing (3) MNIST MLP …");
  const ours = timeOurs(MNIST_CONFIG, mnist);
  // batchSize 200: tfjs cycles the split's five consecutive batches of 200 (ours shuffles per epoch).
  const tfjs = timeTfjs(() => tfjsRun(MNIST_CONFIG, mnist), 20);
  rows.push({ model: "MNIST MLP 784→200→200→10", ours, tfjs });
}

const isOurs = (o: Row["ours"]): o is OursResult => !("error" in o);
const fmtLoss = (r: { lossBefore: number | null; lossAfter: number | null; steps: number }) => `${r.lossBefore?.toFixed(3) ?? "diverged"}→${r.lossAfter?.toFixed(3) ?? "diverged"} /${r.steps}`;

console.log();
printTable(
  ["model", "params ours / tfjs", "rows/step", "GFLOP/step (plan)", "ours ms/step (1 thread)", `ours ms/step (${THREADS} threads)`, "threads speed-up", "efficiency (1 thread)", `efficiency (${THREADS} threads)`, "tfjs-wasm ms/step", "speed-up vs tfjs (1 thread)", "train loss ours", "train loss tfjs"],
  rows.map(({ model, ours, tfjs }) =>
    isOurs(ours)
      ? [model, `${ours.params} / ${tfjs.params}${ours.params === tfjs.params ? "" : " MISMATCH"}`, ours.rows === tfjs.rows ? String(ours.rows) : `${ours.rows} / ${tfjs.rows} MISMATCH`, ours.flopsPerStep / 1e9, formatSpread(ours.ms), formatSpread(ours.threadedMs), formatSpread(ours.speedup), formatSpread(ours.efficiency), formatSpread(ours.threadedEfficiency), tfjs.ms, tfjs.ms / ours.ms.median, fmtLoss(ours), fmtLoss(tfjs)]
      : [model, `— / ${tfjs.params}`, String(tfjs.rows), "n/a", `n/a (${ours.error})`, "n/a", "n/a", "n/a", "n/a", tfjs.ms, "n/a", "—", fmtLoss(tfjs)],
  ),
);
console.log();
printTable(
  ["model", `${THREADS}-thread step: coordinator computing chunks`, "waiting for workers after the last chunk", "rest (serial ops, JS)", "chunks the coordinator ran"],
  rows.flatMap(({ model, ours }) => (isOurs(ours) ? [[model, formatSpread(ours.sliceShare), formatSpread(ours.waitShare), round(1 - ours.sliceShare.median - ours.waitShare.median), formatSpread(ours.coordinatorChunkShare)]] : [])),
);
// How to read it: a small wait share with the chunks shared evenly (≈ 1/threads) and still a low speed-up means each
// thread's chunks ran slower than on one thread — the cores (caches, memory, a busy sibling) rather than the pool.
console.log(`(medians over ${ROUNDS} interleaved rounds of probe, 1 thread and ${THREADS} threads, with min–max; efficiency = plan FLOPs per step / step time / probe peak of the same round, × ${THREADS} on the pool)`);
console.log("(train loss — ours: full training split before → after the timed steps; tfjs: loss of its first → last step; /n: steps taken)");

// End to end: the MLP run exactly as configured, until test accuracy ≥ 0.99, on one thread and on the pool.
interface GrokRun { threads: number; seconds: number; generalization_step: number | null; memorization_step: number | null; steps_per_second: number; params_hash: string }
const grokRuns: GrokRun[] = [];
if (!quick) {
  console.log();
  for (const threads of [1, THREADS]) {
    log(`grokking run (1) MLP p=97, seed 0, ${threads} thread(s), until test accuracy ≥ 0.99 (cap 10000 steps) …`);
    const t0 = performance.now();
    const result = await train({ ...MLP_CONFIG, earlyStopTestAccuracy: 0.99 }, {
      ...(threads === 1 ? {} : { kernels: pool.kernels, ops: pool.ops, threads }),
      onProgress: ({ step, point }) => {
        if (point && step % 1000 === 0) {
          log(`  step ${step}: train acc ${point.trainAccuracy.toFixed(3)}, test acc ${point.testAccuracy.toFixed(3)}, train loss ${point.trainLoss?.toFixed(4) ?? "diverged"}, ${((performance.now() - t0) / 1000).toFixed(1)} s`);
        }
      },
    });
    const s = result.summary;
    grokRuns.push({ threads, seconds: round((performance.now() - t0) / 1000, 2), generalization_step: s.generalizationStep, memorization_step: s.memorizationStep, steps_per_second: round(s.stepsPerSecond, 1), params_hash: s.paramsHash });
  }
  printTable(
    ["grokking run", "threads", "wall s", "memorized at", "generalized at", "steps/s (train only)", "paramsHash"],
    grokRuns.map((g) => ["MLP p=97 seed 0", String(g.threads), g.seconds, String(g.memorization_step ?? "never"), String(g.generalization_step ?? "never"), g.steps_per_second, g.params_hash.slice(0, 16) + "…"]),
  );
}
await pool.close();

console.log(JSON.stringify({
  train: rows.map(({ model, ours, tfjs }) => ({
    model,
    ours_ms_per_step: isOurs(ours) ? roundSpread(ours.ms) : null,
    tfjs_ms_per_step: round(tfjs.ms),
    speedup: isOurs(ours) ? round(tfjs.ms / ours.ms.median) : null,
    threads: THREADS,
    ours_threaded_ms_per_step: isOurs(ours) ? roundSpread(ours.threadedMs) : null,
    threads_speedup: isOurs(ours) ? roundSpread(ours.speedup) : null,
    flops_per_step: isOurs(ours) ? ours.flopsPerStep : null,
    efficiency: isOurs(ours) ? roundSpread(ours.efficiency) : null,
    threaded_efficiency: isOurs(ours) ? roundSpread(ours.threadedEfficiency) : null,
    pool_wait_share: isOurs(ours) ? roundSpread(ours.waitShare) : null,
    pool_slice_share: isOurs(ours) ? roundSpread(ours.sliceShare) : null,
    pool_coordinator_chunk_share: isOurs(ours) ? roundSpread(ours.coordinatorChunkShare) : null,
    ...(isOurs(ours) ? {} : { note: ours.error }),
  })),
  grok_runs: grokRuns,
}));
