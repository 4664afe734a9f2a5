/**
 * npm run bench:worker [-- --rounds N --burst-ms MS --budget-ms MS] — the CPU time of the reference
 * models' training steps inside workerd, the Workers runtime (`wrangler dev` serving
 * bench/workers-runtime/worker.ts with the simd build as a compiled module, one thread), beside
 * Node's for the same steps in the same run: what an edge replay of a volunteer's run costs.
 *
 * Each round, for each model, the Worker resumes the run from its step-0 checkpoint, takes 2 warm-up
 * steps, then N steps (N chosen from the warm-up so they last about --burst-ms), one evaluation and
 * the parameter hash, one request each; Node then trains the same config the same 2 + N steps and
 * must reach the same paramsHash (so both did the same work). workerd's CPU time is read from
 * /proc around each request (Linux; all threads of the workerd processes, so it includes request
 * handling — an upper bound): deployed Workers freeze their clocks during execution (Spectre), and
 * locally performance.now() is wall time at 1 ms resolution, also reported. Node's is its process
 * CPU time (process.cpuUsage). Medians with min–max over the rounds.
 *
 * The replay window is the most steps whose worst round's CPU time, plus the worst resume and hash,
 * fits --budget-ms (default 15 000: half of the 30 s CPU time a paid-plan Worker request gets by
 * default, for a production CPU slower than this one and the request's own work).
 * Prints a table and, as its last line, one JSON object.
 */
import { parseArgs } from "node:util";
import { quadraticMlpConfig } from "../src/config/presets.js";
import { parseRunConfig, type RunConfigInput } from "../src/config/run-config.js";
import { TrainingRun } from "../src/engine/training-run.js";
import { loadBuild, loadMnistFromBuild } from "../src/node.js";
import { cpuMsOf, descendantsNamed, processCpuAvailable } from "./support/process-cpu.js";
import { MLP_CONFIG, MNIST_CONFIG, TRANSFORMER_CONFIG } from "../src/config/reference-configs.js";
import { burstMs, formatSpread, printTable, round, roundSpread, spread, type Spread } from "./support/timing.js";
import { startWranglerDev } from "./support/wrangler-dev.js";

const { values: args } = parseArgs({ options: { rounds: { type: "string", default: "5" }, "burst-ms": { type: "string", default: "1500" }, "budget-ms": { type: "string", default: "15000" } } });
const positive = (name: keyof typeof args) => {
  const value = Number(args[name]);
  if (!Number.isInteger(value) || value < 1) throw new Error(`--${name} must be a positive integer, got ${args[name]}`);
  return value;
};
const ROUNDS = positive("rounds");
const BURST_MS = positive("burst-ms");
const BUDGET_MS = positive("budget-ms");
/** The CPU time a paid-plan Worker request gets by default (limits.cpu_ms raises it to 5 minutes; the free plan gives 10 ms). */
const WORKERS_CPU_LIMIT_MS = 30_000;
/** Memory of one Worker isolate, wasm memory included. */
const WORKERS_MEMORY_BYTES = 128 * 2 ** 20;
const WARMUP_STEPS = 2;

const MODELS: { name: string; config: RunConfigInput }[] = [
  { name: "MLP p=97 emb128 ×2→256→97", config: MLP_CONFIG },
  { name: "transformer p=113 1L d128 h4 mlp512", config: TRANSFORMER_CONFIG },
  { name: "quadratic MLP p=97 194→500→97 (Doshi)", config: quadraticMlpConfig() },
  { name: "MNIST MLP 784→200→200→10 (batch 200)", config: MNIST_CONFIG },
];

interface Round {
  steps: number;
  workerCpuMsPerStep: number;
  workerTimerMsPerStep: number;
  nodeCpuMsPerStep: number;
  resumeMs: number;
  evaluationMs: number;
  hashMs: number;
}

const log = (message: string) => process.stderr.write(message + "\n");
const cpuAvailable = processCpuAvailable();
if (!cpuAvailable) log("no /proc here (not Linux): workerd's CPU time cannot be read; its columns show the in-Worker timer instead");

const mnist = await loadMnistFromBuild();
// One instance for every Node run (each run frees its arena): the module's code warms up once, as the Worker's does.
const nodeKernels = await loadBuild("simd");
log("starting wrangler dev (bench/workers-runtime) …");
const dev = await startWranglerDev(["--config", "bench/workers-runtime/wrangler.toml"], { readyTimeoutMs: 120_000 });

/** wrangler dev reloads the Worker when a source file changes (another edit in this tree): mid-request, or losing the run it holds (409). */
class WorkerRestarted extends Error {}

async function call<T>(method: string, path: string, body?: unknown): Promise<T> {
  const response = await fetch(dev.origin + path, { method, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await response.text();
  if (/restarted/i.test(text) && !text.startsWith("{")) throw new WorkerRestarted(text);
  const parsed = JSON.parse(text);
  if (response.status === 409) throw new WorkerRestarted(parsed.error);
  if (!response.ok) throw new Error(`${method} ${path}: ${parsed.error ?? text}`);
  return parsed as T;
}

/** A request to the Worker with workerd's CPU milliseconds around it (the in-Worker timer's if /proc is missing). */
async function timedCall<T>(method: string, path: string): Promise<{ body: T & { ms?: number }; cpuMs: number }> {
  const pids = cpuAvailable ? descendantsNamed(dev.pid, "workerd") : [];
  const before = cpuMsOf(pids);
  const body = await call<T & { ms?: number }>(method, path);
  const after = cpuMsOf(pids);
  if (cpuAvailable && descendantsNamed(dev.pid, "workerd").join() !== pids.join()) throw new WorkerRestarted("workerd was restarted during the request");
  return { body, cpuMs: cpuAvailable ? after - before : (body.ms ?? NaN) };
}

interface WorkerRound extends Omit<Round, "nodeCpuMsPerStep"> {
  parameterCount: number;
  checkpointBytes: number;
  wasmMemoryBytes: number;
  paramsHash: string;
}

async function replayInWorker(config: RunConfigInput): Promise<WorkerRound> {
  const { parameterCount, checkpointBytes } = await call<{ parameterCount: number; checkpointBytes: number }>("POST", "/prepare", config);
  const resume = await timedCall<{ wasmMemoryBytes: number }>("POST", "/resume");
  const warmup = await timedCall<{ ms: number }>("POST", `/steps?n=${WARMUP_STEPS}`);
  const steps = Math.max(3, Math.round(BURST_MS / (warmup.cpuMs / WARMUP_STEPS)));
  const timed = await timedCall<{ ms: number }>("POST", `/steps?n=${steps}`);
  const evaluation = await timedCall("POST", "/evaluate");
  const hash = await timedCall<{ paramsHash: string }>("POST", "/hash");
  return {
    steps,
    workerCpuMsPerStep: timed.cpuMs / steps,
    workerTimerMsPerStep: timed.body.ms / steps,
    resumeMs: resume.cpuMs,
    evaluationMs: evaluation.cpuMs,
    hashMs: hash.cpuMs,
    parameterCount,
    checkpointBytes,
    wasmMemoryBytes: resume.body.wasmMemoryBytes,
    paramsHash: hash.body.paramsHash,
  };
}

/** Retries a model's round when wrangler reloaded the Worker under it (a shared, edited tree). */
async function replayWithRetries(config: RunConfigInput): Promise<WorkerRound> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await replayInWorker(config);
    } catch (error) {
      if (!(error instanceof WorkerRestarted) || attempt === 3) throw error;
      log("  the Worker was reloaded (a source file changed); retrying this round");
    }
  }
}

/** Node: the same config, the same warm-up and timed steps from a fresh run; returns CPU ms per step and the hash. */
async function stepsInNode(config: RunConfigInput, steps: number): Promise<{ cpuMsPerStep: number; paramsHash: string }> {
  const run = TrainingRun.create(config, { kernels: nodeKernels, mnist });
  try {
    for (let i = 0; i < WARMUP_STEPS; i++) run.trainStep();
    const cpuMsPerStep = burstMs(() => run.trainStep(), 0, { minCalls: steps, clock: "cpu" });
    return { cpuMsPerStep, paramsHash: await run.paramsHash() };
  } finally {
    run.dispose();
  }
}

const rounds = MODELS.map(() => [] as Round[]);
const facts = MODELS.map(() => ({ parameterCount: 0, checkpointBytes: 0, wasmMemoryBytes: 0 }));
let resolution: { resolutionMs: number };
try {
  resolution = await call<{ resolutionMs: number }>("GET", "/clock");
  for (let r = 0; r < ROUNDS; r++) {
    for (const [m, model] of MODELS.entries()) {
      log(`round ${r + 1}/${ROUNDS}: ${model.name} …`);
      const inWorker = await replayWithRetries(model.config);
      const inNode = await stepsInNode(model.config, inWorker.steps);
      if (inNode.paramsHash !== inWorker.paramsHash) throw new Error(`${model.name}: the Worker's paramsHash after ${WARMUP_STEPS + inWorker.steps} steps (${inWorker.paramsHash}) differs from Node's (${inNode.paramsHash})`);
      facts[m] = { parameterCount: inWorker.parameterCount, checkpointBytes: inWorker.checkpointBytes, wasmMemoryBytes: inWorker.wasmMemoryBytes };
      const { steps, workerCpuMsPerStep, workerTimerMsPerStep, resumeMs, evaluationMs, hashMs } = inWorker;
      rounds[m].push({ steps, workerCpuMsPerStep, workerTimerMsPerStep, resumeMs, evaluationMs, hashMs, nodeCpuMsPerStep: inNode.cpuMsPerStep });
    }
  }
} finally {
  await dev.close();
}

const results = MODELS.map((model, m) => {
  const of = (key: keyof Round): Spread => spread(rounds[m].map((r) => r[key]));
  const cpu = of("workerCpuMsPerStep");
  const fixedMs = of("resumeMs").max + of("hashMs").max;
  const { evalInterval } = parseRunConfig(model.config);
  return {
    model: model.name,
    ...facts[m],
    steps: of("steps"),
    workerCpu: cpu,
    workerTimer: of("workerTimerMsPerStep"),
    nodeCpu: of("nodeCpuMsPerStep"),
    ratio: spread(rounds[m].map((r) => r.workerCpuMsPerStep / r.nodeCpuMsPerStep)),
    resume: of("resumeMs"),
    evaluation: of("evaluationMs"),
    hash: of("hashMs"),
    replayWindowSteps: Math.max(0, Math.floor((BUDGET_MS - fixedMs) / cpu.max)),
    // With the evaluations the run makes in the window too (one per evalInterval, and one at its end).
    replayWindowWithEvaluations: Math.max(0, Math.floor((BUDGET_MS - fixedMs - of("evaluationMs").max) / (cpu.max + of("evaluationMs").max / evalInterval))),
    evalInterval,
    fitsMemory: facts[m].wasmMemoryBytes < WORKERS_MEMORY_BYTES,
  };
});

const mb = (bytes: number) => round(bytes / 2 ** 20, 1);
console.log();
printTable(
  ["model", "params", "checkpoint MB", "wasm memory MB", "workerd CPU ms/step", "workerd timer ms/step", "Node CPU ms/step", "workerd / Node", "resume ms", "evaluation ms", "hash ms", `replay window (steps in ${BUDGET_MS / 1000} s)`, "window with evaluations (evalInterval)"],
  results.map((x) => [x.model, String(x.parameterCount), String(mb(x.checkpointBytes)), `${mb(x.wasmMemoryBytes)}${x.fitsMemory ? "" : " (> 128 MB limit)"}`, formatSpread(x.workerCpu), formatSpread(x.workerTimer), formatSpread(x.nodeCpu), formatSpread(x.ratio), formatSpread(x.resume), formatSpread(x.evaluation), formatSpread(x.hash), String(x.replayWindowSteps), `${x.replayWindowWithEvaluations} (${x.evalInterval})`]),
);
console.log(`(medians over ${ROUNDS} rounds with min–max; N = ${results.map((x) => x.steps.median).join(", ")} timed steps per round after ${WARMUP_STEPS} warm-up steps; the same paramsHash as Node in every round)`);
console.log(`(workerd CPU: ${cpuAvailable ? "/proc schedstat of all workerd threads around the request, request handling included" : "not available, the in-Worker timer instead"}; workerd timer: performance.now() inside the Worker, resolution ${resolution.resolutionMs} ms, wall time and frozen during execution once deployed)`);
console.log(`(replay window: steps whose worst-round CPU time plus the worst resume and hash fit ${BUDGET_MS / 1000} s of the ${WORKERS_CPU_LIMIT_MS / 1000} s default CPU limit of a paid-plan request; with evaluations: also the worst evaluation every evalInterval steps and at the window's end)`);

const json = (s: Spread) => roundSpread(s);
console.log(JSON.stringify({
  rounds: ROUNDS,
  burst_ms: BURST_MS,
  budget_ms: BUDGET_MS,
  workers_cpu_limit_ms: WORKERS_CPU_LIMIT_MS,
  workerd_cpu_source: cpuAvailable ? "proc-schedstat" : "worker-timer",
  workerd_timer_resolution_ms: resolution.resolutionMs,
  models: results.map((x) => ({
    model: x.model,
    params: x.parameterCount,
    checkpoint_bytes: x.checkpointBytes,
    wasm_memory_bytes: x.wasmMemoryBytes,
    fits_128mb: x.fitsMemory,
    timed_steps: json(x.steps),
    workerd_cpu_ms_per_step: json(x.workerCpu),
    workerd_timer_ms_per_step: json(x.workerTimer),
    node_cpu_ms_per_step: json(x.nodeCpu),
    workerd_over_node: json(x.ratio),
    resume_ms: json(x.resume),
    evaluation_ms: json(x.evaluation),
    hash_ms: json(x.hash),
    replay_window_steps: x.replayWindowSteps,
    eval_interval: x.evalInterval,
    replay_window_steps_with_evaluations: x.replayWindowWithEvaluations,
  })),
}));
