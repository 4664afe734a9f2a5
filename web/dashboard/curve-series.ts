/**
 * A grid cell's runs' curves on one step axis, for the overlay chart (uPlot's aligned mode: one
 * shared x array, a y array per series, null where a run has no evaluation at that step). The step
 * axis is logarithmic, which has no place for step 0 (the initialisation): it is left out. Pure.
 */
import type { CurvePoint } from "../../src/config/run-result.js";
import { runLabel } from "./lu-series.js";
import type { Run } from "./types.js";

export const CURVE_METRICS = {
  accuracy: { title: "accuracy", train: (p: CurvePoint) => p.trainAccuracy, test: (p: CurvePoint) => p.testAccuracy, log: false },
  loss: { title: "loss", train: (p: CurvePoint) => p.trainLoss, test: (p: CurvePoint) => p.testLoss, log: true },
  weightNorm: { title: "weight norm", train: null, test: null, log: false },
} as const;
export type CurveMetric = keyof typeof CURVE_METRICS;

export interface OverlaySeries {
  label: string;
  /** Index into the runs given. */
  run: number;
  kind: "train" | "test" | "weight norm";
  values: (number | null)[];
}

export interface Overlay {
  /** Every step > 0 at which some run was evaluated, ascending. */
  steps: number[];
  series: OverlaySeries[];
}

export function overlayCurves(runs: readonly Run[], metric: CurveMetric): Overlay {
  const steps = [...new Set(runs.flatMap((run) => run.curves.map((p) => p.step)))].filter((step) => step > 0).sort((a, b) => a - b);
  const { train, test, log } = CURVE_METRICS[metric];
  const readers: { kind: OverlaySeries["kind"]; value: (p: CurvePoint) => number | null }[] =
    train && test ? [{ kind: "train", value: train }, { kind: "test", value: test }] : [{ kind: "weight norm", value: (p) => p.weightNorm }];
  const series = runs.flatMap((run, index) => {
    const byStep = new Map(run.curves.map((p) => [p.step, p]));
    return readers.map(({ kind, value }) => ({
      label: `${kind} · ${runLabel(run)}`,
      run: index,
      kind,
      values: steps.map((step) => {
        const point = byStep.get(step);
        if (!point) return null;
        const v = value(point);
        // A diverged run's value (null), and 0 or below on a log scale: a gap, not a made-up value.
        return v === null || (log && v <= 0) ? null : v;
      }),
    }));
  });
  return { steps, series };
}
