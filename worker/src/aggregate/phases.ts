/**
 * Phase of a run, after Liu, Kitouni, Nolte, Michaud, Tegmark & Williams 2022 ("Towards Understanding
 * Grokking: An Effective Theory of Representation Learning", §5's phase diagrams):
 *   comprehension — fits the training set and generalizes soon after,
 *   grokking      — fits it and generalizes much later,
 *   memorization  — fits it and never generalizes (within the run),
 *   confusion     — does not even fit it.
 * "Fits", "generalizes" and "much later" are the sweep's thresholds.
 */
import type { RunSummary } from "../../../src/config/run-result.js";
import type { PhaseThresholds } from "../schema.js";

export const PHASES = ["comprehension", "grokking", "memorization", "confusion"] as const;
export type Phase = (typeof PHASES)[number];

export function phaseOf(summary: Pick<RunSummary, "final" | "memorizationStep" | "generalizationStep">, t: PhaseThresholds): Phase {
  const fitted = summary.final.trainAccuracy >= t.trainAccuracy;
  const generalized = summary.final.testAccuracy >= t.testAccuracy;
  if (!fitted) return "confusion";
  if (!generalized) return "memorization";
  const memorized = summary.memorizationStep ?? 0;
  const general = summary.generalizationStep ?? 0;
  return general - memorized > t.grokkingDelay ? "grokking" : "comprehension";
}

/** The most common phase (ties go to the earlier one in PHASES order). */
export function majorityPhase(phases: readonly Phase[]): Phase | null {
  if (phases.length === 0) return null;
  const counts = PHASES.map((p) => phases.filter((x) => x === p).length);
  return PHASES[counts.indexOf(Math.max(...counts))];
}
