/**
 * A sweep's grid cells, each aggregated over its seeds' validated results: median and spread
 * (min, max) of the grokking metrics, and a phase label. Pure functions; the route feeds them rows.
 */
import type { RunSummary } from "../../../src/config/run-result.js";
import type { PhaseThresholds } from "../schema.js";
import type { UnitStatus } from "../validation.js";
import { majorityPhase, phaseOf, PHASES, type Phase } from "./phases.js";

export interface UnitRow {
  cell: readonly (number | string | boolean)[];
  seed: number;
  status: UnitStatus;
  /** The validated result's summary (validated units only). */
  summary: RunSummary | null;
}

export interface Spread {
  median: number;
  min: number;
  max: number;
  /** Seeds that contributed (a step metric counts only runs where it happened; a loss or norm only runs where it stayed finite, not null). */
  n: number;
}

export const METRICS = ["memorizationStep", "generalizationStep", "grokkingDelay", "finalTrainLoss", "finalTestLoss", "finalTrainAccuracy", "finalTestAccuracy", "finalWeightNorm"] as const;
export type Metric = (typeof METRICS)[number];

export interface CellAggregate {
  /** Axis values, in axis order. */
  cell: (number | string | boolean)[];
  seeds: number;
  validated: number;
  phase: Phase | null;
  phaseCounts: Record<Phase, number>;
  metrics: Record<Metric, Spread | null>;
}

const metricOf: Record<Metric, (s: RunSummary) => number | null> = {
  memorizationStep: (s) => s.memorizationStep,
  generalizationStep: (s) => s.generalizationStep,
  grokkingDelay: (s) => s.grokkingDelay,
  finalTrainLoss: (s) => s.final.trainLoss,
  finalTestLoss: (s) => s.final.testLoss,
  finalTrainAccuracy: (s) => s.final.trainAccuracy,
  finalTestAccuracy: (s) => s.final.testAccuracy,
  finalWeightNorm: (s) => s.final.weightNorm,
};

/** Median (mean of the middle two for an even count), min and max; null for no values. */
export function spreadOf(values: readonly number[]): Spread | null {
  if (values.length === 0) return null;
  const v = [...values].sort((a, b) => a - b);
  const mid = v.length >> 1;
  return { median: v.length % 2 ? v[mid] : (v[mid - 1] + v[mid]) / 2, min: v[0], max: v[v.length - 1], n: v.length };
}

export function aggregateCells(units: readonly UnitRow[], thresholds: PhaseThresholds): CellAggregate[] {
  const byCell = new Map<string, UnitRow[]>();
  for (const u of units) {
    const key = JSON.stringify(u.cell);
    byCell.set(key, [...(byCell.get(key) ?? []), u]);
  }
  return [...byCell.values()].map((rows) => {
    const summaries = rows.filter((r) => r.status === "validated" && r.summary).map((r) => r.summary!);
    const phases = summaries.map((s) => phaseOf(s, thresholds));
    const metrics = Object.fromEntries(
      METRICS.map((m) => [m, spreadOf(summaries.map(metricOf[m]).filter((x): x is number => x !== null))]),
    ) as Record<Metric, Spread | null>;
    return {
      cell: [...rows[0].cell],
      seeds: rows.length,
      validated: summaries.length,
      phase: majorityPhase(phases),
      phaseCounts: Object.fromEntries(PHASES.map((p) => [p, phases.filter((x) => x === p).length])) as Record<Phase, number>,
      metrics,
    };
  });
}

/** CSV of the cells: one column per axis, then counts, phase and each metric's median/min/max/n. */
export function cellsToCsv(axes: readonly string[], cells: readonly CellAggregate[]): string {
  const header = [...axes, "seeds", "validated", "phase", ...PHASES.map((p) => `runs_${p}`), ...METRICS.flatMap((m) => [`${m}_median`, `${m}_min`, `${m}_max`, `${m}_n`])];
  const lines = cells.map((c) => [
    ...c.cell.map(String),
    String(c.seeds),
    String(c.validated),
    c.phase ?? "",
    ...PHASES.map((p) => String(c.phaseCounts[p])),
    ...METRICS.flatMap((m) => {
      const s = c.metrics[m];
      return s ? [String(s.median), String(s.min), String(s.max), String(s.n)] : ["", "", "", "0"];
    }),
  ]);
  return [header, ...lines].map((row) => row.map(csvField).join(",")).join("\n") + "\n";
}

function csvField(value: string): string {
  return /[",\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}
