/**
 * A result checked against its config and itself before anything of it is stored, and the summary
 * the API stores for it, derived here — never taken from the volunteer. What the engine produces
 * (src/engine/training-run.ts, src/tfjs/train.ts) always passes. In three stages, each only once
 * the one before holds (a later check would only repeat an earlier failure):
 *
 * 1. its extent: summary.stepsRun ≤ config.steps, and equal to it unless summary.stoppedEarly, and
 *    then a step the run evaluates at; summary.parameterCount the config's model's (the run plan);
 * 2. its curves: evaluated exactly where the engine evaluates (step 0, every evalInterval and
 *    config.steps) up to summary.stepsRun; none but the last reaching config.earlyStopTestAccuracy
 *    (the run stops there); at every point weightNorm² = embeddingNorm² + otherNorm², or, diverged,
 *    weightNorm null together with one of the others. The ranges of single numbers (losses and
 *    norms ≥ 0 or null, accuracies in [0, 1]) are the schema's (src/config/run-result.ts);
 * 3. its summary: the fields the curves determine, by the engine's own rule (summarizeCurves), and
 *    resultDigest, recomputed from summary.paramsHash and the curves, must equal the API's; the
 *    first that differs is named with the expected value.
 * Any failure is a 400 `inconsistent_result` naming each bad field.
 */
import { summarizeCurves } from "../../src/config/curve-summary.js";
import type { RunConfig } from "../../src/config/run-config.js";
import { resultDigest } from "../../src/config/result-digest.js";
import { GENERALIZATION_ACCURACY, MEMORIZATION_ACCURACY, type CurvePoint, type RunResult, type RunSummary } from "../../src/config/run-result.js";
import { evaluatesAt, type RunPlan } from "../../src/engine/run-plan.js";
import { ApiError, type ApiIssue } from "./errors.js";
import { firstDifference } from "./json-difference.js";

/**
 * Relative tolerance of weightNorm² = embeddingNorm² + otherNorm². The engine sums the squares in
 * f64 over all parameters and over each group separately, then takes square roots: the two sides
 * differ by rounding only (measured ≤ 2.5e-14 on MLPs, transformers and MNIST up to 194k
 * parameters; the tfjs run adds the groups' sums, so its sides agree to f64 rounding).
 */
export const NORM_TOLERANCE = 1e-9;

/**
 * The summary the API stores for `result`: derived from its curves, with the run's own facts (paramsHash,
 * speed) and the plan's parameter count. The reported summary must say the same, else a 400 naming the field.
 */
export async function verifiedSummary(result: RunResult, plan: RunPlan): Promise<RunSummary> {
  requireNone(extentIssues(result, plan));
  requireNone(curveIssues(result));
  const { config, curves, summary } = result;
  const { memorizationStep, generalizationStep, grokkingDelay, stoppedEarly, final } = summarizeCurves(config, curves, summary.stepsRun);
  // In the schema's field order, so the stored JSON reads as the engine writes it.
  const derived: RunSummary = {
    memorizationStep,
    generalizationStep,
    grokkingDelay,
    stepsRun: summary.stepsRun,
    stoppedEarly,
    final,
    paramsHash: summary.paramsHash,
    resultDigest: await resultDigest(summary.paramsHash, curves),
    parameterCount: plan.parameterCount,
    stepsPerSecond: summary.stepsPerSecond,
    wallSeconds: summary.wallSeconds,
  };
  const differing = summaryDifference(derived, result);
  if (differing) requireNone([differing]);
  return derived;
}

function requireNone(issues: ApiIssue[]): void {
  if (issues.length > 0) throw new ApiError(400, "inconsistent_result", `inconsistent result: ${issues.map((i) => `${i.path}: ${i.message}`).join("; ")}`, issues);
}

const issue = (path: string, message: string): ApiIssue => ({ path: `result.${path}`, message });

function extentIssues({ config, summary }: RunResult, plan: RunPlan): ApiIssue[] {
  const issues: ApiIssue[] = [];
  const { stepsRun } = summary;
  if (stepsRun > config.steps) issues.push(issue("summary.stepsRun", `must not exceed config.steps (${config.steps}), got ${stepsRun}`));
  else if (stepsRun !== config.steps && !summary.stoppedEarly) issues.push(issue("summary.stepsRun", `must equal config.steps (${config.steps}) unless summary.stoppedEarly, got ${stepsRun}`));
  else if (!evaluatesAt(config, stepsRun)) issues.push(issue("summary.stepsRun", `a run stops early only at an evaluation (a multiple of config.evalInterval, ${config.evalInterval}), got ${stepsRun}`));
  if (summary.parameterCount !== plan.parameterCount) issues.push(issue("summary.parameterCount", `the config's model has ${plan.parameterCount} parameters, got ${summary.parameterCount}`));
  return issues;
}

function curveIssues({ config, curves, summary }: RunResult): ApiIssue[] {
  const scheduleIssue = scheduleDifference(config, curves, summary.stepsRun);
  const issues = scheduleIssue ? [scheduleIssue] : [];
  const target = config.earlyStopTestAccuracy;
  const early = target === undefined ? -1 : curves.findIndex((p, i) => i < curves.length - 1 && p.testAccuracy >= target);
  if (early >= 0) {
    issues.push(issue(`curves[${early}].testAccuracy`, `reaches config.earlyStopTestAccuracy (${target}) at step ${curves[early].step}, where the run stops, yet the curves go on to step ${curves.at(-1)!.step}`));
  }
  const badNorms = curves.findIndex((p) => !normsAgree(p));
  if (badNorms >= 0) {
    const { weightNorm, embeddingNorm, otherNorm } = curves[badNorms];
    issues.push(
      issue(
        `curves[${badNorms}].weightNorm`,
        `expected weightNorm² = embeddingNorm² + otherNorm² (within a relative ${NORM_TOLERANCE}; null exactly when one of them is), got weightNorm ${weightNorm}, embeddingNorm ${embeddingNorm}, otherNorm ${otherNorm}`,
      ),
    );
  }
  return issues;
}

/** The first curve point whose step is not where the engine evaluates, up to `stepsRun` (which extentIssues checked). */
function scheduleDifference(config: RunConfig, curves: readonly CurvePoint[], stepsRun: number): ApiIssue | null {
  const expected: number[] = [];
  for (let step = 0; step < stepsRun; step += config.evalInterval) expected.push(step);
  expected.push(stepsRun);
  const where = `evaluations are at step 0, every config.evalInterval (${config.evalInterval}) and config.steps (${config.steps}), up to summary.stepsRun (${stepsRun})`;
  const shared = Math.min(curves.length, expected.length);
  for (let i = 0; i < shared; i++) {
    if (curves[i].step !== expected[i]) return issue(`curves[${i}].step`, `expected ${expected[i]} (${where}), got ${curves[i].step}`);
  }
  if (curves.length < expected.length) return issue("curves", `expected ${expected.length} evaluations (${where}), got ${curves.length}: none at step ${expected[curves.length]}`);
  if (curves.length > expected.length) return issue(`curves[${expected.length}].step`, `expected no evaluation after summary.stepsRun (${stepsRun}), got step ${curves[expected.length].step}`);
  return null;
}

function normsAgree({ weightNorm: w, embeddingNorm: e, otherNorm: o }: CurvePoint): boolean {
  if (w === null || e === null || o === null) return w === null && (e === null || o === null);
  const parts = e * e + o * o;
  return Math.abs(w * w - parts) <= NORM_TOLERANCE * Math.max(w * w, parts);
}

/** The first field the API derives that the reported summary states otherwise, as an issue, or null. */
function summaryDifference(derived: RunSummary, { config, curves, summary }: RunResult): ApiIssue | null {
  const fromCurves = "from the curves";
  const stated: [keyof RunSummary, string][] = [
    ["memorizationStep", `${fromCurves}: the first step with trainAccuracy ≥ ${MEMORIZATION_ACCURACY}`],
    ["generalizationStep", `${fromCurves}: the first step with testAccuracy ≥ ${GENERALIZATION_ACCURACY}`],
    ["grokkingDelay", `${fromCurves}: generalizationStep − memorizationStep`],
    ["stoppedEarly", `${fromCurves} and config.earlyStopTestAccuracy (${config.earlyStopTestAccuracy ?? "none"})`],
  ];
  for (const [field, why] of stated) {
    if (!Object.is(derived[field], summary[field])) return issue(`summary.${field}`, `expected ${derived[field]} (${why}), got ${summary[field]}`);
  }
  const finalDiffers = firstDifference(derived.final, summary.final, "summary.final");
  if (finalDiffers !== null) return issue(finalDiffers, `differs from the last curve point (curves[${curves.length - 1}]), which summary.final must be`);
  if (derived.resultDigest !== summary.resultDigest) {
    return issue("summary.resultDigest", `expected ${derived.resultDigest} (SHA-256 of summary.paramsHash and the curves in canonical form, src/config/result-digest.ts), got ${summary.resultDigest}`);
  }
  return null;
}
