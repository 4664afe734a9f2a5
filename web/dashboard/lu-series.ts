/**
 * The LU view's data (Liu, Michaud & Tegmark, "Omnigrok", 2022): across a sweep's runs, final train
 * loss against final weight norm (the "L") and final test loss against it (the "U"), and each run's
 * trajectory through the (weight norm, loss) plane. Pure: uPlot draws what this returns. Both axes
 * are logarithmic, so points with a non-positive coordinate cannot be drawn: they are left out and
 * counted, never moved.
 */
import { phaseOf, type Phase } from "../../worker/src/aggregate/phases.js";
import type { PhaseThresholds } from "../../worker/src/schema.js";
import type { Backend, Run } from "./types.js";

export type LossKind = "train" | "test";

/** One scatter series: one point per run, in the order of `runs`. */
export interface LuScatterSeries {
  label: string;
  loss: LossKind;
  backend: Backend;
  runs: Run[];
  weightNorms: number[];
  losses: number[];
}

export interface LuScatter {
  series: LuScatterSeries[];
  /** Runs left out because a final loss or weight norm was not positive. */
  omitted: number;
}

/** Validated wasm-simd runs first, then the other backends in a fixed order. */
const BACKEND_ORDER: readonly Backend[] = ["wasm-simd", "tfjs-webgpu", "tfjs-wasm"];

/** A loss or norm the log axes can place: not null (the run diverged there) and positive. */
const placeable = (x: number | null): x is number => x !== null && x > 0;

/** Train and test loss series per backend present, each over the runs of that backend. */
export function luScatter(runs: readonly Run[]): LuScatter {
  const series: LuScatterSeries[] = [];
  let omitted = 0;
  for (const backend of BACKEND_ORDER) {
    const ofBackend = runs.filter((run) => run.backend === backend);
    if (ofBackend.length === 0) continue;
    const drawable = ofBackend.flatMap((run) => {
      const { weightNorm, trainLoss, testLoss } = run.summary.final;
      return placeable(weightNorm) && placeable(trainLoss) && placeable(testLoss) ? [{ run, weightNorm, trainLoss, testLoss }] : [];
    });
    omitted += ofBackend.length - drawable.length;
    for (const loss of ["train", "test"] as const) {
      series.push({
        label: `${loss} loss (${backend})`,
        loss,
        backend,
        runs: drawable.map((d) => d.run),
        weightNorms: drawable.map((d) => d.weightNorm),
        losses: drawable.map((d) => (loss === "train" ? d.trainLoss : d.testLoss)),
      });
    }
  }
  return { series, omitted };
}

/** One run's path through the (weight norm, loss) plane, in step order. */
export interface Trajectory {
  run: Run;
  label: string;
  /** The run's phase under the sweep's thresholds: the trajectory's colour. */
  phase: Phase;
  steps: number[];
  weightNorms: number[];
  losses: number[];
  /** Evaluations left out (a non-positive or diverged, null, loss or norm). */
  omitted: number;
}

export function trajectories(runs: readonly Run[], loss: LossKind, thresholds: PhaseThresholds): Trajectory[] {
  return runs.map((run) => {
    const drawable = run.curves.flatMap((p) => {
      const value = loss === "train" ? p.trainLoss : p.testLoss;
      return placeable(p.weightNorm) && placeable(value) ? [{ step: p.step, weightNorm: p.weightNorm, loss: value }] : [];
    });
    return {
      run,
      label: runLabel(run),
      phase: phaseOf(run.summary, thresholds),
      steps: drawable.map((p) => p.step),
      weightNorms: drawable.map((p) => p.weightNorm),
      losses: drawable.map((p) => p.loss),
      omitted: run.curves.length - drawable.length,
    };
  });
}

/** "seed 1 · 0.3, 1e-3 (tfjs-webgpu)": the cell's values, the seed, and the backend if not wasm-simd. */
export function runLabel(run: Run): string {
  const cell = run.cell.length > 0 ? ` · ${run.cell.map(String).join(", ")}` : "";
  return `seed ${run.seed}${cell}${run.backend === "wasm-simd" ? "" : ` (${run.backend})`}`;
}
