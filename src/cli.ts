/**
 * npx grokedge train --config run.json [--out result.json] [--threads n]   (grokedge train --help: the options)
 * Trains one run, printing a line per evaluation (and the step and pace between them) and the
 * summary at the end on stdout; errors go to stderr with exit code 2 (bad input) or 1 (the run failed).
 */
import { constants } from "node:fs";
import { access, readFile, writeFile } from "node:fs/promises";
import { dirname } from "node:path";
import { parseArgs } from "node:util";
import { RunConfigError } from "./config/run-config.js";
import type { CurvePoint, RunResult } from "./config/run-result.js";
import { train } from "./node.js";

const USAGE = `usage: grokedge train --config <run.json> [--out <result.json>] [--threads <n>]
       grokedge help [train]

Trains one run from a run config, printing a line per evaluation (and the step and pace every 10 s
between them), then the summary: memorization and generalization steps, grokking delay, paramsHash.

options:
  --config <run.json>   the run config to train (JSON: task, model, optimizer, steps, seed, ...);
                        see README "Training a run"
  --out <result.json>   also write the whole result (curves, summary, meta) there as JSON; a file
                        that cannot be written is refused before training starts
  --threads <n>         train on n worker threads (1 to 64, default 1) over one shared memory;
                        the result is bitwise the same as on one thread
  -h, --help            print this help and exit

exit status: 0 trained (or help), 2 bad option, config or file, 1 the run itself failed`;

/** Between evaluations, a line with the step and the pace at most this often. */
const PACE_INTERVAL_MS = 10_000;

export interface CliOutput {
  /** Progress and the summary. */
  out(line: string): void;
  /** What went wrong. */
  err(line: string): void;
}

const consoleOutput: CliOutput = { out: (line) => console.log(line), err: (line) => console.error(line) };

export async function main(argv: string[], io: CliOutput = consoleOutput): Promise<number> {
  const [command, ...rest] = argv;
  if (command === undefined || command === "--help" || command === "-h") {
    io.out(USAGE);
    return 0;
  }
  if (command === "help") {
    if (rest.length === 0 || (rest.length === 1 && rest[0] === "train")) {
      io.out(USAGE);
      return 0;
    }
    io.err(`no help on "${rest.join(" ")}": the only command is train\n${USAGE}`);
    return 2;
  }
  if (command !== "train") {
    io.err(`unknown command "${command}"\n${USAGE}`);
    return 2;
  }
  let values: { config?: string; out?: string; threads?: string; help?: boolean };
  try {
    ({ values } = parseArgs({
      args: rest,
      options: { config: { type: "string" }, out: { type: "string" }, threads: { type: "string" }, help: { type: "boolean", short: "h" } },
      strict: true,
    }));
  } catch (e) {
    io.err(`${(e as Error).message}\n${USAGE}`);
    return 2;
  }
  if (values.help) {
    io.out(USAGE);
    return 0;
  }
  if (!values.config) {
    io.err(`--config is required\n${USAGE}`);
    return 2;
  }
  const threads = values.threads === undefined ? 1 : Number(values.threads);
  if (!Number.isInteger(threads) || threads < 1 || threads > 64) {
    io.err(`--threads must be an integer from 1 to 64, got "${values.threads}"`);
    return 2;
  }
  let config: unknown;
  try {
    config = JSON.parse(await readFile(values.config, "utf8"));
  } catch (e) {
    io.err(`cannot read run config ${values.config}: ${(e as Error).message}`);
    return 2;
  }
  // A result that cannot be written is found out before the run, not after it.
  if (values.out !== undefined) {
    const problem = await unwritable(values.out);
    if (problem) {
      io.err(`cannot write the result to ${values.out}: ${problem}`);
      return 2;
    }
  }
  let result: RunResult;
  let paced = performance.now();
  try {
    result = await train(config, {
      threads,
      onProgress: ({ point, step, steps, stepsPerSecond }) => {
        if (point) io.out(formatPoint(point, steps));
        else if (performance.now() - paced >= PACE_INTERVAL_MS) io.out(`step ${step}/${steps}  ${stepsPerSecond.toFixed(1)} steps/s`);
        else return;
        paced = performance.now();
      },
    });
  } catch (e) {
    if (e instanceof RunConfigError) {
      io.err(`${values.config}: ${e.message}`);
      return 2;
    }
    io.err(`training failed: ${e instanceof Error ? e.message : String(e)}`);
    return 1;
  }
  io.out(formatSummary(result));
  if (values.out !== undefined) {
    await writeFile(values.out, JSON.stringify(result, null, 2) + "\n");
    io.out(`result written to ${values.out}`);
  }
  return 0;
}

/** Why `path` cannot be written (its folder is missing or read-only, or it is a read-only file), or null. */
async function unwritable(path: string): Promise<string | null> {
  try {
    await access(path, constants.W_OK);
    return null;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "ENOENT") return (e as Error).message;
  }
  try {
    await access(dirname(path), constants.W_OK);
    return null;
  } catch (e) {
    return (e as Error).message;
  }
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
