/**
 * Runs and cells for the dashboard's pure-function tests: curves written point by point, summaries
 * derived from them by the engine's and the API's own rule (summarizeCurves, the result digest), and
 * cells aggregated by the API's own aggregateCells.
 */
import { aggregateCells, type CellAggregate, type UnitRow } from "../../worker/src/aggregate/cells.js";
import { summarizeCurves } from "../../src/config/curve-summary.js";
import type { CurvePoint, RunSummary } from "../../src/config/run-result.js";
import { digestOf } from "../support/run-results.js";
import type { PhaseThresholds } from "../../worker/src/schema.js";
import type { AxisValue, Backend, Run } from "../../web/dashboard/types.js";

export const THRESHOLDS: PhaseThresholds = { trainAccuracy: 0.99, testAccuracy: 0.99, grokkingDelay: 100 };

/** A curve point; the norms split as embedding 0, other = weight norm. */
export function point(step: number, values: Partial<Omit<CurvePoint, "step">> = {}): CurvePoint {
  const weightNorm = values.weightNorm ?? 10 + step / 100;
  return { step, trainLoss: 1, trainAccuracy: 0.5, testLoss: 2, testAccuracy: 0.1, weightNorm, embeddingNorm: 0, otherNorm: weightNorm, ...values };
}

export function summaryOf(curves: readonly CurvePoint[]): RunSummary {
  const stepsRun = curves[curves.length - 1].step;
  const { memorizationStep, generalizationStep, grokkingDelay, stoppedEarly, final } = summarizeCurves({ steps: stepsRun }, curves, stepsRun);
  const paramsHash = "ab".repeat(32);
  return {
    memorizationStep,
    generalizationStep,
    grokkingDelay,
    stepsRun,
    stoppedEarly,
    final,
    paramsHash,
    resultDigest: digestOf(paramsHash, curves),
    parameterCount: 100,
    stepsPerSecond: 100,
    wallSeconds: 1,
  };
}

let nextId = 0;

export function makeRun(cell: AxisValue[], seed: number, curves: CurvePoint[], backend: Backend = "wasm-simd"): Run {
  nextId += 1;
  return {
    unitId: `unit-${nextId}`,
    resultId: `result-${nextId}`,
    cell,
    seed,
    backend,
    status: backend === "wasm-simd" ? "valid" : "approximate-accepted",
    paramsHash: summaryOf(curves).paramsHash,
    summary: summaryOf(curves),
    curves,
  };
}

/** A run that fits its training set at `memorizeAt` and generalizes at `generalizeAt` (null: never), evaluated every 10 steps to `steps`. */
export function grokkingRun(cell: AxisValue[], seed: number, { memorizeAt, generalizeAt, steps = 400 }: { memorizeAt: number; generalizeAt: number | null; steps?: number }): Run {
  const curves: CurvePoint[] = [];
  for (let step = 0; step <= steps; step += 10) {
    curves.push(
      point(step, {
        trainAccuracy: step >= memorizeAt ? 1 : 0.5,
        testAccuracy: generalizeAt !== null && step >= generalizeAt ? 1 : 0.1,
        trainLoss: 1 / (1 + step),
        testLoss: generalizeAt !== null && step >= generalizeAt ? 0.01 : 2,
        weightNorm: 20 - step / 40,
      }),
    );
  }
  return makeRun(cell, seed, curves);
}

/** The aggregates of these runs' cells; `pendingCells` adds a unit with no result yet to those cells. */
export function cellsOf(runs: readonly Run[], pendingCells: AxisValue[][] = []): CellAggregate[] {
  const rows: UnitRow[] = [
    ...runs.map((run) => ({ cell: run.cell, seed: run.seed, status: "validated" as const, summary: run.summary })),
    ...pendingCells.map((cell) => ({ cell, seed: 99, status: "pending" as const, summary: null })),
  ];
  return aggregateCells(rows, THRESHOLDS);
}
