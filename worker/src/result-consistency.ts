/**
 * A result's own numbers, checked against its config and each other before anything of it is
 * stored: the stats add up `summary.stepsRun`, aggregates read `summary.final`, and the parameter
 * count must be the model's. What the engine produces (src/engine/training-run.ts) always passes:
 *
 * - summary.stepsRun ≤ config.steps, and equal to it unless summary.stoppedEarly;
 * - curves' steps strictly increase, from 0 to summary.stepsRun;
 * - summary.final is the last curve point;
 * - summary.parameterCount is the count of the config's model (the engine's run plan).
 */
import type { RunResult } from "../../src/config/run-result.js";
import type { RunPlan } from "../../src/engine/run-plan.js";
import { ApiError, type ApiIssue } from "./errors.js";
import { firstDifference } from "./json-difference.js";

/** Throws a 400 `inconsistent_result` naming every field that disagrees. */
export function requireConsistent(result: RunResult, plan: RunPlan): void {
  const issues = consistencyIssues(result, plan);
  if (issues.length > 0) throw new ApiError(400, "inconsistent_result", `inconsistent result: ${issues.map((i) => `${i.path}: ${i.message}`).join("; ")}`, issues);
}

function consistencyIssues({ config, curves, summary }: RunResult, plan: RunPlan): ApiIssue[] {
  const issues: ApiIssue[] = [];
  const add = (path: string, message: string) => issues.push({ path: `result.${path}`, message });

  if (summary.stepsRun > config.steps) add("summary.stepsRun", `must not exceed config.steps (${config.steps}), got ${summary.stepsRun}`);
  else if (summary.stepsRun !== config.steps && !summary.stoppedEarly) add("summary.stepsRun", `must equal config.steps (${config.steps}) unless summary.stoppedEarly, got ${summary.stepsRun}`);

  if (curves[0].step !== 0) add("curves[0].step", `the first evaluation is at step 0, got ${curves[0].step}`);
  const backwards = curves.findIndex((point, i) => i > 0 && point.step <= curves[i - 1].step);
  if (backwards > 0) add(`curves[${backwards}].step`, `steps must increase strictly, got ${curves[backwards - 1].step} then ${curves[backwards].step}`);
  const last = curves.length - 1;
  if (curves[last].step !== summary.stepsRun) add(`curves[${last}].step`, `the last evaluation is at summary.stepsRun (${summary.stepsRun}), got ${curves[last].step}`);

  const finalDiffers = firstDifference(summary.final, curves[last], "summary.final");
  if (finalDiffers !== null) add(finalDiffers, `differs from the last curve point (curves[${last}])`);

  const expected = plan.parameterCount;
  if (summary.parameterCount !== expected) add("summary.parameterCount", `the config's model has ${expected} parameters, got ${summary.parameterCount}`);
  return issues;
}
