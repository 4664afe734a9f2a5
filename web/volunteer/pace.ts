/**
 * The pace of the unit in training, from its run plan (src/engine/run-plan.ts: the FLOPs the engine
 * executes per step and per evaluation): FLOP/s measured since the first progress report, and the
 * time left as the FLOPs still to run over that rate. Steps/s is the engine's own figure
 * (evaluations excluded). Pure: the clock is passed in.
 */
import type { Progress } from "../../src/index.js";
import type { RunPlan } from "../../src/engine/run-plan.js";

export interface Pace {
  stepsPerSecond: number;
  /** Null until two reports at least MIN_SECONDS apart give a rate. */
  gflopsPerSecond: number | null;
  /** Seconds left; null with the rate. */
  etaSeconds: number | null;
}

/** Rates over shorter spans than this are noise (a report right after another). */
const MIN_SECONDS = 0.2;

export class UnitPace {
  private evaluationsDone = 0;
  private baseline: { time: number; flops: number } | null = null;

  constructor(
    private readonly steps: number,
    private readonly plan: Pick<RunPlan, "evaluations" | "flops">,
    private readonly now: () => number = () => performance.now(),
  ) {}

  /** Call on every progress report of the unit, in order. */
  update({ step, point, stepsPerSecond }: Progress): Pace {
    if (point) this.evaluationsDone++;
    const { perStep, perEvaluation, setup } = this.plan.flops;
    const flops = setup + perStep * step + perEvaluation * this.evaluationsDone;
    const time = this.now();
    if (!this.baseline) this.baseline = { time, flops };
    const seconds = (time - this.baseline.time) / 1000;
    const rate = (flops - this.baseline.flops) / seconds;
    if (!(seconds >= MIN_SECONDS && rate > 0)) return { stepsPerSecond, gflopsPerSecond: null, etaSeconds: null };
    const left = perStep * (this.steps - step) + perEvaluation * Math.max(0, this.plan.evaluations - this.evaluationsDone);
    return { stepsPerSecond, gflopsPerSecond: rate / 1e9, etaSeconds: left / rate };
  }
}
