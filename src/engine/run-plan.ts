/**
 * The run plan: what a run will do, from its validated config alone — rows per step, evaluations,
 * the FLOPs the engine executes and the memory it takes. It is measured, not estimated: the run is
 * laid out by the engine's own code (RunParts) on a MeasuringArena, and one training step and one
 * evaluation run on a counting executor that performs no kernel. No wasm, no data: the API uses it
 * to check and credit results, the page and the CLI for their pace (RunPace), the benchmarks for efficiency.
 */
import type { RunConfig } from "../config/run-config.js";
import { countingExecutor } from "../ops/counting.js";
import { Ops } from "../ops/ops.js";
import { MeasuringArena } from "../wasm/arena.js";
import type { KernelName } from "../wasm/kernels.js";
import { constrainNorm, optimizerStep } from "./optimizer.js";
import { RunParts } from "./run-parts.js";

export interface RunPlan {
  parameterCount: number;
  trainRows: number;
  testRows: number;
  /** Rows one optimizer step sees (the batch size, or the whole training split). */
  rowsPerStep: number;
  /** Evaluations a run that is not stopped early makes (step 0, every evalInterval, and the last step). */
  evaluations: number;
  flops: {
    /** One training step: forward, loss, backward, optimizer (and the norm constraint). */
    perStep: number;
    /** One evaluation: forward passes over both splits, losses, and the parameter norms. */
    perEvaluation: number;
    /** Before the first step (the norm constraint, if any). */
    setup: number;
    /** A whole run: setup, every step and every evaluation. */
    perRun: number;
    /** perStep by kernel. */
    perStepByKernel: Partial<Record<KernelName, number>>;
  };
  /** Bytes of wasm memory the run's arena takes: parameters, gradients, optimizer moments, activations, workspaces. */
  arenaBytes: number;
}

/** Evaluations a run of `steps` steps makes: step 0, every evalInterval, and the last step. */
export function evaluationCount(config: Pick<RunConfig, "steps" | "evalInterval">): number {
  return 1 + Math.floor(config.steps / config.evalInterval) + (config.steps % config.evalInterval === 0 ? 0 : 1);
}

/** Whether the run evaluates after `step` steps (step 0 is a multiple of every interval). */
export function evaluatesAt(config: Pick<RunConfig, "steps" | "evalInterval">, step: number): boolean {
  return step % config.evalInterval === 0 || step === config.steps;
}

export function planRun(config: RunConfig): RunPlan {
  const arena = new MeasuringArena();
  const counter = countingExecutor();
  const parts = new RunParts(config, arena, new Ops(counter));
  const { sizes, state } = parts;

  if (config.constrainNorm !== undefined) constrainNorm(parts.ops, state, config.constrainNorm);
  const setup = counter.flops;

  counter.reset();
  parts.trainBatch.rows = sizes.batchRows;
  parts.computeGradients(parts.trainBatch);
  optimizerStep(parts.ops, state, config, 1);
  const perStep = counter.flops;
  const perStepByKernel = Object.fromEntries(counter.byKernel);

  counter.reset();
  parts.evaluate({ count: sizes.trainRows }, { count: sizes.testRows });
  const perEvaluation = counter.flops;

  const evaluations = evaluationCount(config);
  return {
    parameterCount: state.layout.total,
    trainRows: sizes.trainRows,
    testRows: sizes.testRows,
    rowsPerStep: sizes.batchRows,
    evaluations,
    flops: { perStep, perEvaluation, setup, perRun: setup + perStep * config.steps + perEvaluation * evaluations, perStepByKernel },
    arenaBytes: arena.used,
  };
}

/** FLOPs a run executed: `steps` training steps and `evaluations` evaluations (a run stopped early made fewer of both). */
export function flopsExecuted(plan: RunPlan, steps: number, evaluations: number): number {
  return plan.flops.setup + plan.flops.perStep * steps + plan.flops.perEvaluation * evaluations;
}

/** Evaluations a run has made once `step` steps are done (step 0, every evalInterval, the last step). */
export function evaluationsThrough(config: Pick<RunConfig, "steps" | "evalInterval">, step: number): number {
  return 1 + Math.floor(step / config.evalInterval) + (step === config.steps && step % config.evalInterval !== 0 ? 1 : 0);
}

export interface Pace {
  /** FLOPs per second since the first progress report; null until there is a pace to go by. */
  flopsPerSecond: number | null;
  /** Seconds left at that rate; null with it. */
  etaSeconds: number | null;
}

/** Rates over a shorter span than this are noise (a report right after another). */
const MIN_PACE_SECONDS = 0.2;

/**
 * A run's pace from its plan, as the CLI's progress display and the volunteer page show it: the FLOPs
 * done (steps, and evaluations counted from the progress reports) over the time since the first
 * report, and the time left as the FLOPs still to run (steps and evaluations) at that rate. A plan's
 * FLOPs weigh an evaluation against a step, where steps/s alone would not. The clock is passed in.
 */
export class RunPace {
  private evaluationsDone: number;
  private baseline: { time: number; flops: number } | null = null;

  /** `fromStep`: the steps a resumed run had done before (its evaluations up to there count as done). */
  constructor(
    private readonly config: Pick<RunConfig, "steps" | "evalInterval">,
    private readonly plan: Pick<RunPlan, "evaluations" | "flops">,
    fromStep = 0,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.evaluationsDone = fromStep === 0 ? 0 : evaluationsThrough(config, fromStep);
  }

  /** Call on every progress report, in order (`point`: the report came with an evaluation). */
  update({ step, point }: { step: number; point?: unknown }): Pace {
    if (point) this.evaluationsDone++;
    const { perStep, perEvaluation } = this.plan.flops;
    const flops = perStep * step + perEvaluation * this.evaluationsDone;
    const time = this.now();
    this.baseline ??= { time, flops };
    const seconds = (time - this.baseline.time) / 1000;
    const rate = (flops - this.baseline.flops) / seconds;
    if (!(seconds >= MIN_PACE_SECONDS && rate > 0)) return { flopsPerSecond: null, etaSeconds: null };
    const left = perStep * (this.config.steps - step) + perEvaluation * Math.max(0, this.plan.evaluations - this.evaluationsDone);
    return { flopsPerSecond: rate, etaSeconds: left / rate };
  }
}
