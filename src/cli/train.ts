/**
 * grokedge train — one run from a config file or a preset (with --set overrides), on one thread or
 * a pool, with a progress bar / lines / JSON events, periodic checkpoints and resumption.
 */
import { Command } from "commander";
import { readFile } from "node:fs/promises";
import { CheckpointError, checkpointHeader, loadMnistFromBuild, parseRunConfig, planRun, RunConfigError, train, type RunConfig, type RunResult, type TrainOptions } from "../node.js";
import { createNodeThreadPool } from "../hosts/node/pool.js";
import { CliError, EXIT, UsageError } from "./errors.js";
import { readJsonFile, requireWritable, writeFileAtomic } from "./files.js";
import type { CliIo } from "./io.js";
import { collectOverride, integerIn, MAX_THREADS } from "./options.js";
import { applyOverrides, type Override } from "./overrides.js";
import { presetList, runPreset } from "./presets.js";
import { createTrainDisplay } from "./train-display.js";

interface TrainFlags {
  config?: string;
  preset?: string;
  set?: Override[];
  threads: number;
  out?: string;
  json?: boolean;
  checkpointEvery?: number;
  checkpoint?: string;
  resume?: string;
}

export function trainCommand(io: CliIo): Command {
  return new Command("train")
    .summary("train one run (a config file or a preset) and print its grokking summary")
    .description(
      "Trains one run, showing a progress bar on a terminal (step, losses, accuracies, steps/s, ETA from the run plan) or a line per evaluation otherwise, then the summary: memorization and generalization steps, grokking delay, paramsHash. The result is bitwise the same on any number of threads and across checkpoints.",
    )
    .option("--config <file>", "the run config (JSON: task, model, optimizer, steps, seed …; see the README)")
    .option("--preset <name>", "a published setup instead of a file (see below)")
    .option("--set <path=value>", "change one field before validation, repeatable: --set optimizer.weightDecay=0.3 --set model.hidden[0]=256 (value: JSON, else a string)", collectOverride)
    .option("--threads <n>", `train on n worker threads over one shared memory (1 to ${MAX_THREADS})`, integerIn(1, MAX_THREADS), 1)
    .option("--out <file>", "also write the whole result (curves, summary, meta) there as JSON; checked writable before training")
    .option("--json", "print newline-delimited JSON events (start, eval, checkpoint, done) instead of a bar or lines")
    .option("--checkpoint-every <n>", "save the run every n steps (with --checkpoint)", integerIn(1, Number.MAX_SAFE_INTEGER))
    .option("--checkpoint <file>", "where to save it; replaced whole each time, never left half-written")
    .option("--resume <file>", "continue the run saved in this checkpoint (same engine version; its config is in it)")
    .addHelpText(
      "after",
      `\nPresets:\n${presetList("run")}\n\nExamples:\n` +
        "  grokedge train --preset doshi-2023\n" +
        "  grokedge train --preset doshi-2023 --set optimizer.weightDecay=1 --set steps=300 --threads 2 --out result.json\n" +
        "  grokedge train --config run.json --checkpoint-every 1000 --checkpoint run.ckpt   # Ctrl-C, then:\n" +
        "  grokedge train --resume run.ckpt --checkpoint-every 1000 --checkpoint run.ckpt\n" +
        "  grokedge train --config run.json --json | jq -c 'select(.event == \"eval\") | [.step, .testAccuracy]'",
    )
    .action((flags: TrainFlags) => runTrain(flags, io));
}

/** The run to train: a validated config (with --set applied), or a checkpoint's bytes and config. */
async function runInput(flags: TrainFlags): Promise<{ config: RunConfig; resumeFrom?: Uint8Array; fromStep: number }> {
  const given = [flags.config && "--config", flags.preset && "--preset", flags.resume && "--resume"].filter(Boolean);
  if (given.length !== 1) throw new UsageError(given.length === 0 ? "give the run: --config FILE, --preset NAME or --resume FILE" : `give only one of ${given.join(", ")}`);
  if (flags.resume !== undefined) {
    if (flags.set) throw new UsageError("--set cannot change a resumed run: its config is in the checkpoint");
    let bytes: Uint8Array;
    try {
      bytes = new Uint8Array(await readFile(flags.resume));
    } catch (error) {
      throw new UsageError(`cannot read checkpoint ${flags.resume}: ${(error as Error).message}`);
    }
    try {
      const header = checkpointHeader(bytes);
      return { config: header.config, resumeFrom: bytes, fromStep: header.step };
    } catch (error) {
      if (error instanceof CheckpointError) throw new UsageError(`checkpoint ${flags.resume}: ${error.message}`);
      throw error;
    }
  }
  const source = flags.config ?? `preset ${flags.preset}`;
  const input = flags.config !== undefined ? await readJsonFile(flags.config, "run config") : runPreset(flags.preset!);
  try {
    return { config: parseRunConfig(applyOverrides(input, flags.set ?? [])), fromStep: 0 };
  } catch (error) {
    if (error instanceof RunConfigError) throw new UsageError(`${source}${flags.set ? ` with ${flags.set.map((o) => `--set ${o.text}`).join(" ")}` : ""}: ${error.message}`);
    throw error;
  }
}

async function runTrain(flags: TrainFlags, io: CliIo): Promise<void> {
  if ((flags.checkpointEvery === undefined) !== (flags.checkpoint === undefined)) throw new UsageError("--checkpoint-every N and --checkpoint FILE go together");
  const { config, resumeFrom, fromStep } = await runInput(flags);
  // Outputs that cannot be written are found out before the run, not after it.
  if (flags.out !== undefined) await requireWritable(flags.out, "--out");
  if (flags.checkpoint !== undefined) await requireWritable(flags.checkpoint, "--checkpoint");
  const plan = planRun(config);
  const display = createTrainDisplay(io, flags.json === true);
  const abort = new AbortController();
  const stopListening = io.onInterrupt(() => abort.abort(new Error("interrupted")));
  const pool = flags.threads > 1 ? await createNodeThreadPool(flags.threads) : null;
  let step = fromStep;
  try {
    const engine: TrainOptions = {
      ...(pool ? { kernels: pool.kernels, ops: pool.ops } : {}),
      threads: flags.threads,
      mnist: config.task.kind === "mnist" ? await loadMnistFromBuild() : undefined,
      signal: abort.signal,
      onProgress: (progress) => {
        step = progress.step;
        display.progress(progress);
      },
    };
    display.start({ config, plan, threads: flags.threads, fromStep });
    let result: RunResult;
    let bytes = resumeFrom;
    // With --checkpoint-every, the run goes in segments, each ending in a checkpoint written whole.
    for (;;) {
      let saved: Uint8Array | undefined;
      const stopAtStep = flags.checkpointEvery === undefined ? undefined : (Math.floor(step / flags.checkpointEvery) + 1) * flags.checkpointEvery;
      result = await train(bytes ? undefined : config, { ...engine, resumeFrom: bytes, stopAtStep, onCheckpoint: (checkpoint) => (saved = checkpoint) });
      if (!saved) break;
      await writeFileAtomic(flags.checkpoint!, saved);
      step = result.summary.stepsRun;
      display.checkpoint(step, flags.checkpoint!);
      bytes = saved;
    }
    if (flags.out !== undefined) await writeFileAtomic(flags.out, JSON.stringify(result, null, 2) + "\n");
    display.done(result, flags.out);
  } catch (error) {
    display.close();
    if (abort.signal.aborted) {
      const resume = flags.checkpoint ? `; the last checkpoint is ${flags.checkpoint} (grokedge train --resume ${flags.checkpoint})` : "";
      throw new CliError(`interrupted at step ${step}${resume}`, EXIT.interrupted);
    }
    if (error instanceof CliError) throw error;
    throw new CliError(`training failed: ${error instanceof Error ? error.message : String(error)}`, EXIT.failure, { cause: error });
  } finally {
    stopListening();
    await pool?.close();
  }
}
