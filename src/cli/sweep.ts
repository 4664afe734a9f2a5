/**
 * grokedge sweep create | list | status | results | phase — define a sweep on the API, follow it,
 * and fetch its aggregates as a table, CSV, JSON or a phase diagram.
 */
import { Command, Option } from "commander";
import { adminToken, ADMIN_TOKEN_ENV, configFilePath } from "./admin-token.js";
import { API_ENV, apiOrigin, createCliApi } from "./api.js";
import { UsageError } from "./errors.js";
import { readJsonFile, requireWritable, writeFileAtomic } from "./files.js";
import type { CliIo } from "./io.js";
import { collectOverride, seconds } from "./options.js";
import { applyOverrides, type Override } from "./overrides.js";
import { presetList, sweepPreset } from "./presets.js";
import { getAggregates, getAggregatesCsv, getSweep, listSweeps, unfinished } from "./sweep-api.js";
import { phaseTables, type PhaseCellShow } from "./sweep-phase.js";
import { showStatus } from "./sweep-status.js";
import { formatTable } from "./table.js";

const apiOption = () => new Option("--api <url>", `the API's origin (default: $${API_ENV})`);

export function sweepCommand(io: CliIo): Command {
  const sweep = new Command("sweep")
    .summary("create a sweep on the API, follow it, fetch its results and phase diagram")
    .description("Sweeps on the edge API: a base run config × grid axes × seeds, trained by volunteers (pages or `grokedge volunteer`).")
    .addHelpText("after", `\nThe API: --api URL or $${API_ENV}. The admin token (sweep create only): $${ADMIN_TOKEN_ENV}, or {"adminToken": "…"}\nin ${configFilePath({ HOME: "~" })} ($XDG_CONFIG_HOME honoured), mode 0600. Never a flag.`);

  const api = (flags: { api?: string }) => createCliApi(apiOrigin(flags.api, io.env), { log: io.err });

  sweep
    .command("create")
    .summary("create a sweep from a spec file or a preset (admin token required)")
    .description(
      "Creates a sweep: POST /api/sweeps with the spec { name, baseConfig, axes: [{ path, values }], seeds, quorum, phase }. The API validates every unit's config and names the bad field (exit 2).",
    )
    .addOption(apiOption())
    .option("--spec <file>", "the sweep spec (JSON)")
    .option("--preset <name>", "a published sweep instead of a file (see below)")
    .option("--set <path=value>", "change one field of the spec, repeatable: --set baseConfig.steps=200 --set seeds=[0,1,2]", collectOverride)
    .option("--json", "print the API's reply as JSON")
    .addHelpText("after", `\nPresets:\n${presetList("sweep")}\n\nExamples:\n  GROKEDGE_ADMIN_TOKEN=… grokedge sweep create --api http://127.0.0.1:8787 --preset doshi-2023\n  grokedge sweep create --spec sweep.json --set quorum=1`)
    .action(async (flags: { api?: string; spec?: string; preset?: string; set?: Override[]; json?: boolean }) => {
      if ((flags.spec === undefined) === (flags.preset === undefined)) throw new UsageError("give the sweep: --spec FILE or --preset NAME (one of them)");
      const client = api(flags);
      const spec = applyOverrides(flags.spec !== undefined ? await readJsonFile(flags.spec, "sweep spec") : sweepPreset(flags.preset!), flags.set ?? []);
      const token = await adminToken(io.env);
      const reply = await client.post<{ sweep: { id: string; name: string; units: number } }>("/api/sweeps", spec, { token });
      if (flags.json) return io.out(JSON.stringify(reply));
      const { id, name, units } = reply.sweep;
      io.out(`created sweep ${id} "${name}": ${units} units`);
      io.out(`  follow it:   grokedge sweep status ${id} --watch --api ${client.origin}`);
      io.out(`  train it:    grokedge volunteer --sweep ${id} --api ${client.origin}`);
    });

  sweep
    .command("list")
    .summary("the sweeps on the API with their units by state")
    .addOption(apiOption())
    .option("--json", "print them as JSON")
    .action(async (flags: { api?: string; json?: boolean }) => {
      const sweeps = await listSweeps(api(flags));
      if (flags.json) return io.out(JSON.stringify(sweeps));
      if (sweeps.length === 0) return io.out("no sweeps yet");
      const rows = sweeps.map((s) => [s.id, s.name, s.units, s.counts.pending, s.counts.leased, s.counts.awaitingQuorum, s.counts.validated, s.counts.failed, new Date(s.createdAt).toISOString().slice(0, 16).replace("T", " ")]);
      for (const line of formatTable(["id", "name", "units", "pending", "leased", "awaiting quorum", "validated", "failed", "created (UTC)"], rows)) io.out(line);
    });

  sweep
    .command("status")
    .summary("units by state, results by verdict and phases found; --watch follows it live")
    .argument("<id>", "the sweep's id")
    .addOption(apiOption())
    .option("--watch", "keep it updated until every unit is validated or failed (Ctrl-C stops): redrawn on a terminal, a line per change otherwise")
    .option("--interval <seconds>", "how often --watch asks the API", seconds, 5)
    .action((id: string, flags: { api?: string; watch?: boolean; interval: number }) => showStatus(api(flags), id, io, { watch: flags.watch === true, intervalMs: flags.interval * 1000 }));

  sweep
    .command("results")
    .summary("per grid cell over seeds: phase, grokking steps, final accuracies (table, CSV or JSON)")
    .argument("<id>", "the sweep's id")
    .addOption(apiOption())
    .addOption(new Option("--csv", "the API's CSV (every metric's median, min, max and count)").conflicts("json"))
    .addOption(new Option("--json", "the API's aggregates as JSON"))
    .option("--out <file>", "write it to this file (whole or not at all) instead of stdout")
    .action(async (id: string, flags: { api?: string; csv?: boolean; json?: boolean; out?: string }) => {
      if (flags.out !== undefined) await requireWritable(flags.out, "--out");
      const client = api(flags);
      let text: string;
      if (flags.csv) text = await getAggregatesCsv(client, id);
      else if (flags.json) text = JSON.stringify(await getAggregates(client, id), null, 2) + "\n";
      else text = resultsTable(await getAggregates(client, id)).join("\n") + "\n";
      if (flags.out === undefined) return io.out(text.replace(/\n$/, ""));
      await writeFileAtomic(flags.out, text);
      io.err(`wrote ${flags.out}`);
    });

  sweep
    .command("phase")
    .summary("the phase diagram over two axes as a table")
    .argument("<id>", "the sweep's id")
    .addOption(apiOption())
    .requiredOption("--x <path>", "the axis along the columns (e.g. optimizer.weightDecay)")
    .requiredOption("--y <path>", "the axis along the rows (e.g. task.trainFraction)")
    .addOption(new Option("--show <what>", "what a cell shows").choices(["both", "phase", "step"]).default("both"))
    .addHelpText("after", "\nExample:\n  grokedge sweep phase 3f2a… --x optimizer.weightDecay --y task.trainFraction")
    .action(async (id: string, flags: { api?: string; x: string; y: string; show: PhaseCellShow }) => {
      const client = api(flags);
      const [detail, aggregates] = await Promise.all([getSweep(client, id), getAggregates(client, id)]);
      for (const line of phaseTables(detail, aggregates, flags.x, flags.y, flags.show)) io.out(line);
      if (unfinished(detail.counts) > 0) io.err(`(sweep not finished: ${unfinished(detail.counts)} of ${detail.units} units still open)`);
    });

  return sweep;
}

/** The default `sweep results` view: one row per cell with its phase and the medians that matter. */
function resultsTable({ axes, cells }: Awaited<ReturnType<typeof getAggregates>>): string[] {
  const median = (cell: (typeof cells)[number], metric: string) => cell.metrics[metric]?.median ?? "—";
  return formatTable(
    [...axes, "seeds", "validated", "phase", "memorized at", "generalized at", "grokking delay", "final test acc"],
    cells.map((c) => [...c.cell.map(String), c.seeds, c.validated, c.phase ?? "·", median(c, "memorizationStep"), median(c, "generalizationStep"), median(c, "grokkingDelay"), median(c, "finalTestAccuracy")]),
  );
}
