/**
 * grokedge sweep status ID [--watch] — a sweep's units by state, its results by verdict and the
 * phases found so far. With --watch: redrawn in place on a terminal, a line per change otherwise,
 * until every unit is validated or failed, or Ctrl-C.
 */
import type { CliApi } from "./api.js";
import type { CliIo } from "./io.js";
import { formatTable } from "./table.js";
import { getAggregates, getSweep, PHASES, unfinished, type Aggregates, type SweepDetail } from "./sweep-api.js";

interface Snapshot {
  sweep: SweepDetail;
  aggregates: Aggregates;
}

async function snapshot(api: CliApi, id: string): Promise<Snapshot> {
  const [sweep, aggregates] = await Promise.all([getSweep(api, id), getAggregates(api, id)]);
  return { sweep, aggregates };
}

/** Cells and runs per phase (a cell counts under its majority phase; runs are validated seeds). */
function phaseCounts({ cells }: Aggregates) {
  return PHASES.map((phase) => ({
    phase,
    cells: cells.filter((c) => c.phase === phase).length,
    runs: cells.reduce((sum, c) => sum + c.phaseCounts[phase], 0),
  }));
}

export function statusLines({ sweep, aggregates }: Snapshot): string[] {
  const c = sweep.counts;
  const done = c.validated + c.failed;
  const phases = phaseCounts(aggregates);
  const open = aggregates.cells.filter((cell) => cell.phase === null).length;
  return [
    `sweep ${sweep.id} "${sweep.name}": ${sweep.units} units (${sweep.axes.length ? sweep.axes.map((a) => `${a.path} × ${a.values.length}`).join(", ") + ", " : ""}${sweep.seeds.length} seeds), quorum ${sweep.quorum} — ${done}/${sweep.units} done`,
    "",
    ...formatTable(["pending", "leased", "awaiting quorum", "validated", "failed"], [[c.pending, c.leased, c.awaitingQuorum, c.validated, c.failed]]),
    "",
    ...formatTable(
      Object.keys(sweep.results).map((status) => `results ${status}`),
      [Object.values(sweep.results)],
    ),
    "",
    ...formatTable(["phase", "cells", "runs"], [...phases.map((p) => [p.phase, p.cells, p.runs] as (string | number)[]), ["no verdict yet", open, "-"]]),
  ];
}

/** One line for logs: the time, the counts and the phases found. */
export function statusLine({ sweep, aggregates }: Snapshot, now = new Date()): string {
  const c = sweep.counts;
  const found = phaseCounts(aggregates).filter((p) => p.cells > 0);
  return `${now.toISOString().slice(11, 19)}  validated ${c.validated}/${sweep.units}  failed ${c.failed}  leased ${c.leased}  awaiting quorum ${c.awaitingQuorum}  pending ${c.pending}  |  phases (cells): ${found.length ? found.map((p) => `${p.phase} ${p.cells}`).join(", ") : "none yet"}`;
}

export async function showStatus(api: CliApi, id: string, io: CliIo, { watch, intervalMs }: { watch: boolean; intervalMs: number }): Promise<void> {
  let current = await snapshot(api, id);
  if (!watch) {
    for (const line of statusLines(current)) io.out(line);
    return;
  }
  let stopped = false;
  let wake = () => {};
  const stopListening = io.onInterrupt(() => {
    stopped = true;
    wake();
  });
  const terminal = io.terminal;
  let drawn = 0;
  let lastLine = "";
  try {
    for (;;) {
      if (terminal) {
        // Redraw in place: back to the first line drawn, clear to the end, draw again.
        const lines = [...statusLines(current), "", unfinished(current.sweep.counts) === 0 ? "complete." : `watching; Ctrl-C to stop (updated ${new Date().toLocaleTimeString()})`];
        terminal.write((drawn ? `\x1b[${drawn}F\x1b[J` : "") + lines.join("\n") + "\n");
        drawn = lines.length;
      } else {
        const line = statusLine(current);
        // Only changes are printed (the time aside), so a log of a long sweep stays short.
        if (line.slice(8) !== lastLine.slice(8)) io.out(line);
        lastLine = line;
      }
      if (unfinished(current.sweep.counts) === 0) {
        if (!terminal) io.out(`sweep ${id} complete: ${current.sweep.counts.validated} validated, ${current.sweep.counts.failed} failed`);
        return;
      }
      if (!stopped) await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, intervalMs);
        wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      if (stopped) {
        io.err("stopped watching.");
        return;
      }
      current = await snapshot(api, id);
    }
  } finally {
    stopListening();
  }
}
