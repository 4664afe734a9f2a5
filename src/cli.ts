/**
 * npx grokedge train --config run.json [--out result.json]
 * Trains one run, printing a line per evaluation and the summary at the end.
 */
import { readFile, writeFile } from "node:fs/promises";
import { parseArgs } from "node:util";
import { RunConfigError } from "./config/run-config.js";
import type { CurvePoint, RunResult } from "./config/run-result.js";
import { train } from "./node.js";

const USAGE = `usage: grokedge train --config <run.json> [--out <result.json>] [--threads <n>]

  --config   a run config (JSON); see README "Training a run"
  --out      where to write the result (curves, summary, meta) as JSON
  --threads  worker threads over one shared memory (default 1); results are bitwise the same`;

export async function main(argv: string[], out: (line: string) => void = console.log): Promise<number> {
  const [command, ...rest] = argv;
  if (command !== "train") {
    out(command === undefined || command === "--help" ? USAGE : `unknown command "${command}"\n${USAGE}`);
    return command === undefined || command === "--help" ? 0 : 2;
  }
  let values: { config?: string; out?: string; threads?: string };
  try {
    ({ values } = parseArgs({ args: rest, options: { config: { type: "string" }, out: { type: "string" }, threads: { type: "string" } }, strict: true }));
  } catch (e) {
    out(`${(e as Error).message}\n${USAGE}`);
    return 2;
  }
  if (!values.config) {
    out(`--config is required\n${USAGE}`);
    return 2;
  }
  const threads = values.threads === undefined ? 1 : Number(values.threads);
  if (!Number.isInteger(threads) || threads < 1 || threads > 64) {
    out(`--threads must be an integer from 1 to 64, got "${values.threads}"`);
    return 2;
  }
  let config: unknown;
  try {
    config = JSON.parse(await readFile(values.config, "utf8"));
  } catch (e) {
    out(`cannot read run config ${values.config}: ${(e as Error).message}`);
    return 2;
  }
  let result: RunResult;
  try {
    result = await train(config, { threads, onProgress: ({ point, steps }) => point && out(formatPoint(point, steps)) });
  } catch (e) {
    if (e instanceof RunConfigError) {
      out(`${values.config}: ${e.message}`);
      return 2;
    }
    throw e;
  }
  out(formatSummary(result));
  if (values.out) {
    await writeFile(values.out, JSON.stringify(result, null, 2) + "\n");
    out(`result written to ${values.out}`);
  }
  return 0;
}

export function formatPoint(p: CurvePoint, steps: number): string {
  const width = String(steps).length;
  return `step ${String(p.step).padStart(width)}/${steps}  train loss ${p.trainLoss.toExponential(3)} acc ${p.trainAccuracy.toFixed(4)}  test loss ${p.testLoss.toExponential(3)} acc ${p.testAccuracy.toFixed(4)}  |θ| ${p.weightNorm.toFixed(3)}`;
}

export function formatSummary({ summary: s, meta }: RunResult): string {
  const step = (x: number | null) => (x === null ? "never" : `step ${x}`);
  return [
    `memorization (train acc ≥ 0.99): ${step(s.memorizationStep)}`,
    `generalization (test acc ≥ 0.99): ${step(s.generalizationStep)}`,
    `grokking delay: ${s.grokkingDelay === null ? "—" : `${s.grokkingDelay} steps`}`,
    `final: train acc ${s.final.trainAccuracy.toFixed(4)}, test acc ${s.final.testAccuracy.toFixed(4)}, |θ| ${s.final.weightNorm.toFixed(3)}`,
    `${s.stepsRun} steps${s.stoppedEarly ? " (stopped early)" : ""} in ${s.wallSeconds.toFixed(1)} s, ${s.stepsPerSecond.toFixed(1)} steps/s, ${s.parameterCount} parameters, ${meta.backend} ${meta.build} × ${meta.threads} thread(s)`,
    `paramsHash ${s.paramsHash}`,
  ].join("\n");
}
