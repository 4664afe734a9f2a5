/**
 * grokedge bench — what this machine does with the shipped engine (the repository's bench/ folder,
 * with its TensorFlow.js comparisons, is not in the package): the wasm SIMD peak probe, then ms per
 * training step of the reference models on one thread and on a pool, with their efficiency (run-plan
 * FLOPs per step / step time / probe peak, × threads on the pool). Probe, one thread and pool are
 * timed in interleaved rounds, so a noisy moment on a shared machine hits all three; medians with
 * min–max. A table, then one JSON object as the last line.
 */
import { Command, InvalidArgumentError, Option } from "commander";
import { availableParallelism } from "node:os";
import { loadBuild, loadMnistFromBuild, parseRunConfig, planRun, TrainingRun, type KernelInstance, type MnistData, type RunConfigInput } from "../node.js";
import { createNodeThreadPool } from "../hosts/node/pool.js";
import type { CliIo } from "./io.js";
import { formatTable } from "./table.js";
import { integerIn, MAX_THREADS } from "./options.js";
import { REFERENCE_MODELS } from "../config/reference-configs.js";

/** The reference models of the README's benchmarks, looked up by the names --models takes. */
const MODELS: Record<string, { label: string; config: RunConfigInput }> = REFERENCE_MODELS;

const PROBE_ITERATIONS = 100_000;

/** Mean ms per call over a burst of at least `ms` (and two calls). */
function burstMs(body: () => void, ms: number): number {
  let calls = 0;
  const start = performance.now();
  let elapsed = 0;
  while (calls < 2 || elapsed < ms) {
    body();
    calls++;
    elapsed = performance.now() - start;
  }
  return elapsed / calls;
}

interface Spread {
  median: number;
  min: number;
  max: number;
}

function spread(samples: number[]): Spread {
  const s = [...samples].sort((a, b) => a - b), h = s.length >> 1;
  return { median: s.length % 2 ? s[h] : (s[h - 1] + s[h]) / 2, min: s[0], max: s[s.length - 1] };
}

const round3 = (x: number) => Math.round(x * 1000) / 1000;
const rounded = (s: Spread): Spread => ({ median: round3(s.median), min: round3(s.min), max: round3(s.max) });
const show = (s: Spread, digits = 2) => `${s.median.toFixed(digits)} (${s.min.toFixed(digits)}–${s.max.toFixed(digits)})`;

function modelList(text: string): string[] {
  const names = text.split(",").map((n) => n.trim()).filter(Boolean);
  const unknown = names.filter((n) => !Object.hasOwn(MODELS, n));
  if (names.length === 0 || unknown.length) throw new InvalidArgumentError(`expected a comma-separated list of ${Object.keys(MODELS).join(", ")}.`);
  return names;
}

interface BenchFlags {
  threads: number;
  rounds: number;
  burstMs: number;
  models: string[];
}

export function benchCommand(io: CliIo): Command {
  return new Command("bench")
    .summary("time the SIMD peak and the reference models' training steps on this machine")
    .description("The wasm SIMD peak probe, and ms per training step of the reference models on one thread and on a pool, with efficiency against the probe. A table, then one JSON object as the last line.")
    .option("--threads <n>", `the pool's threads (2 to ${MAX_THREADS}; this machine has ${availableParallelism()} cores)`, integerIn(2, MAX_THREADS), 2)
    .option("--rounds <n>", "interleaved rounds of probe, one thread and pool", integerIn(1, 1000), 5)
    .option("--burst-ms <ms>", "length of each timed burst", integerIn(1, 60_000), 200)
    .addOption(new Option("--models <list>", `which reference models, comma-separated (${Object.keys(MODELS).join(", ")})`).argParser(modelList).default(Object.keys(MODELS), "all"))
    .addHelpText("after", `\nExample:\n  grokedge bench --models mlp,transformer --rounds 9`)
    .action((flags: BenchFlags) => bench(flags, io));
}

async function bench(flags: BenchFlags, io: CliIo): Promise<void> {
  const kernels = await loadBuild("simd");
  const probe = () => kernels.kernels.f32_peak_wasmsimd(PROBE_ITERATIONS, 0.999, 0.001);
  const probeGflops = () => (kernels.kernels.F32_PEAK_FLOPS_PER_ITERATION.value * PROBE_ITERATIONS) / burstMs(probe, Math.min(100, flags.burstMs)) / 1e6;
  const pool = await createNodeThreadPool(flags.threads);
  const mnist: MnistData | undefined = flags.models.includes("mnist") ? await loadMnistFromBuild() : undefined;
  const rows: { model: string; params: number; flopsPerStep: number; ms: Spread; poolMs: Spread; speedup: Spread; efficiency: Spread; poolEfficiency: Spread }[] = [];
  const peaks: number[] = [];
  try {
    for (const name of flags.models) {
      const { label, config } = MODELS[name];
      io.err(`timing ${label} …`);
      const plan = planRun(parseRunConfig(config));
      const runs = [TrainingRun.create(config, { kernels, mnist }), TrainingRun.create(config, { kernels: pool.kernels as KernelInstance, ops: pool.ops, threads: flags.threads, mnist })];
      try {
        for (const run of runs) for (let i = 0; i < 2; i++) run.trainStep(); // warm-up
        const ms: number[] = [], poolMs: number[] = [], peak: number[] = [];
        for (let r = 0; r < flags.rounds; r++) {
          peak.push(probeGflops());
          ms.push(burstMs(() => runs[0].trainStep(), flags.burstMs));
          poolMs.push(burstMs(() => runs[1].trainStep(), flags.burstMs));
        }
        peaks.push(...peak);
        const efficiency = (times: number[], threads: number) => spread(times.map((t, r) => plan.flops.perStep / (t * 1e6) / (peak[r] * threads)));
        rows.push({
          model: label,
          params: plan.parameterCount,
          flopsPerStep: plan.flops.perStep,
          ms: spread(ms),
          poolMs: spread(poolMs),
          speedup: spread(ms.map((t, r) => t / poolMs[r])),
          efficiency: efficiency(ms, 1),
          poolEfficiency: efficiency(poolMs, flags.threads),
        });
      } finally {
        runs.forEach((run) => run.dispose());
      }
    }
  } finally {
    await pool.close();
  }
  const peak = spread(peaks);
  io.out(`wasm SIMD peak probe: ${show(peak)} GFLOP/s per thread; ${flags.rounds} interleaved rounds of ${flags.burstMs} ms bursts, median (min–max)`);
  const t = flags.threads;
  const table = formatTable(
    ["model", "parameters", "GFLOP/step", "ms/step (1 thread)", `ms/step (${t} threads)`, "speed-up", "efficiency (1 thread)", `efficiency (${t} threads)`],
    rows.map((r) => [r.model, r.params, r.flopsPerStep / 1e9, show(r.ms), show(r.poolMs), show(r.speedup), show(r.efficiency, 3), show(r.poolEfficiency, 3)]),
  );
  for (const line of table) io.out(line);
  io.out(
    JSON.stringify({
      rounds: flags.rounds,
      burst_ms: flags.burstMs,
      threads: t,
      peak_gflops: rounded(peak),
      train: rows.map((r) => ({ model: r.model, params: r.params, flops_per_step: r.flopsPerStep, ms_per_step: rounded(r.ms), pool_ms_per_step: rounded(r.poolMs), threads_speedup: rounded(r.speedup), efficiency: rounded(r.efficiency), pool_efficiency: rounded(r.poolEfficiency) })),
    }),
  );
}
