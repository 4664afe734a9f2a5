/**
 * How one cell of the phase diagram looks in each colour mode: its fill, the short text inside it,
 * whether it is still running, and the sentence a hover or a screen reader gets (the seeds' spread).
 * Pure: phase-diagram.ts puts it on buttons.
 */
import type { CellAggregate, Spread } from "../../worker/src/aggregate/cells.js";
import { PHASES } from "../../worker/src/aggregate/phases.js";
import { unfinished } from "./cell-progress.js";
import { logScale, NEVER_COLOUR, NO_DATA_COLOUR, PHASE_COLOURS, textColourOn, type LogScale } from "./colour-scale.js";
import type { UnitCounts } from "./types.js";

export const COLOUR_MODES = {
  phase: "phase label",
  generalizationStep: "generalization step (median, log scale)",
  grokkingDelay: "grokking delay (median, log scale)",
} as const;
export type ColourMode = keyof typeof COLOUR_MODES;
export type StepMetric = Exclude<ColourMode, "phase">;

export interface CellAppearance {
  fill: string;
  textColour: string;
  /** Shown inside the cell. */
  text: string;
  /** "empty": no validated run yet; "running": some unit is neither validated nor failed. */
  state: "empty" | "running" | "done";
  /** The colour mode's metric over the seeds (null in phase mode, or when no seed reached it). */
  metric: Spread | null;
  /** The full description: coordinates, phase, the seeds' spread, progress. */
  description: string;
}

/** The log scale of a step metric over every cell's median (the whole sweep, so slices compare). */
export function scaleFor(cells: readonly CellAggregate[], mode: ColourMode): LogScale | null {
  if (mode === "phase") return null;
  return logScale(cells.flatMap((cell) => (cell.metrics[mode] ? [cell.metrics[mode]!.median] : [])));
}

export function cellAppearance(cell: CellAggregate, progress: UnitCounts | undefined, mode: ColourMode, scale: LogScale | null, axisPaths: readonly string[]): CellAppearance {
  const running = progress ? unfinished(progress) > 0 : cell.validated < cell.seeds;
  const state = cell.validated === 0 ? "empty" : running ? "running" : "done";
  const metric = mode === "phase" ? null : cell.metrics[mode];
  let fill: string;
  let text: string;
  if (cell.validated === 0) {
    fill = NO_DATA_COLOUR;
    text = "no run yet";
  } else if (mode === "phase") {
    fill = PHASE_COLOURS[cell.phase!];
    text = cell.phase!;
  } else if (!metric) {
    fill = NEVER_COLOUR;
    text = "never";
  } else {
    if (!scale) throw new Error(`cellAppearance: colour mode ${mode} needs a log scale (scaleFor), got none`);
    fill = scale.colour(metric.median);
    text = formatNumber(metric.median);
  }
  if (state !== "done" && cell.validated > 0) text += ` · ${cell.validated}/${cell.seeds}`;
  return { fill, textColour: textColourOn(fill), text, state, metric, description: describeCell(cell, progress, axisPaths) };
}

/** "optimizer.weightDecay 1, task.trainFraction 0.5: grokking (2 of 2 seeds: …); generalization step median 300 (min 200, max 400, 2 seeds); …". */
export function describeCell(cell: CellAggregate, progress: UnitCounts | undefined, axisPaths: readonly string[]): string {
  const where = axisPaths.length > 0 ? axisPaths.map((path, i) => `${path} ${String(cell.cell[i])}`).join(", ") : "the sweep's one cell";
  const parts: string[] = [];
  if (cell.validated === 0) parts.push(`no validated run yet (${cell.seeds} seeds)`);
  else {
    const phases = PHASES.filter((p) => cell.phaseCounts[p] > 0).map((p) => `${p} ${cell.phaseCounts[p]}`).join(", ");
    parts.push(`${cell.phase} (${cell.validated} of ${cell.seeds} seeds validated: ${phases})`);
    for (const [metric, name] of [["generalizationStep", "generalization step"], ["grokkingDelay", "grokking delay"], ["finalTestAccuracy", "final test accuracy"]] as const) {
      parts.push(`${name} ${spreadText(cell.metrics[metric])}`);
    }
  }
  if (progress && unfinished(progress) > 0) {
    parts.push(`still running: ${progress.leased} leased, ${progress.awaitingQuorum} awaiting quorum, ${progress.pending} pending`);
  }
  if (progress && progress.failed > 0) parts.push(`${progress.failed} failed`);
  return `${where}: ${parts.join("; ")}`;
}

function spreadText(spread: Spread | null): string {
  if (!spread) return "never reached";
  return `median ${formatNumber(spread.median)} (min ${formatNumber(spread.min)}, max ${formatNumber(spread.max)}, ${spread.n} seed${spread.n === 1 ? "" : "s"})`;
}

/** Integers as they are, others to 3 significant digits. */
export function formatNumber(value: number): string {
  return Number.isInteger(value) ? String(value) : Number(value.toPrecision(3)).toString();
}
