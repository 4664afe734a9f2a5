/**
 * grokedge sweep phase ID --x PATH --y PATH — the phase diagram as a text table: a row per value of
 * the y axis, a column per value of the x axis, each cell the majority phase over its validated seeds
 * and the median generalization step (from the aggregates endpoint). A sweep with more axes gets one
 * table per combination of the others.
 */
import { UsageError } from "./errors.js";
import { formatTable } from "./table.js";
import type { Aggregates, AxisValue, CellAggregate, SweepDetail } from "./sweep-api.js";

export type PhaseCellShow = "both" | "phase" | "step";

const key = (values: readonly AxisValue[]) => JSON.stringify(values);

function cellText(cell: CellAggregate | undefined, show: PhaseCellShow): string {
  if (!cell || cell.validated === 0 || cell.phase === null) return "·";
  const median = cell.metrics.generalizationStep?.median;
  const step = median === undefined ? "never" : String(Math.round(median));
  return show === "phase" ? cell.phase : show === "step" ? step : `${cell.phase} ${step}`;
}

/** Lines of the phase diagram(s). */
export function phaseTables(sweep: SweepDetail, aggregates: Aggregates, x: string, y: string, show: PhaseCellShow): string[] {
  const paths = sweep.axes.map((a) => a.path);
  for (const [flag, path] of [["--x", x], ["--y", y]] as const) {
    if (!paths.includes(path)) throw new UsageError(`${flag} ${path}: not an axis of sweep ${sweep.id}; its axes are ${paths.length ? paths.join(", ") : "none (a sweep of seeds only)"}`);
  }
  if (x === y) throw new UsageError(`--x and --y are both ${x}: pick two different axes`);
  const ix = paths.indexOf(x), iy = paths.indexOf(y);
  const others = sweep.axes.map((a, i) => ({ ...a, index: i })).filter((a) => a.index !== ix && a.index !== iy);
  const byValues = new Map(aggregates.cells.map((c) => [key(c.cell), c]));
  // Every combination of the other axes' values (one, empty, when there are only two axes).
  let combinations: AxisValue[][] = [[]];
  for (const axis of others) combinations = combinations.flatMap((combo) => axis.values.map((v) => [...combo, v]));
  const lines = [`phase diagram of sweep ${sweep.id} "${sweep.name}": rows ${y}, columns ${x}`, `cell: majority phase of the validated seeds${show === "phase" ? "" : " and median generalization step (never: not generalized)"}; ·: nothing validated yet`];
  for (const combo of combinations) {
    lines.push("");
    if (others.length) lines.push(others.map((axis, i) => `${axis.path} = ${JSON.stringify(combo[i])}`).join(", "));
    const rows = sweep.axes[iy].values.map((yv) => [
      String(yv),
      ...sweep.axes[ix].values.map((xv) => {
        const values: AxisValue[] = [];
        sweep.axes.forEach((_, i) => values.push(i === ix ? xv : i === iy ? yv : combo[others.findIndex((o) => o.index === i)]));
        return cellText(byValues.get(key(values)), show);
      }),
    ]);
    lines.push(...formatTable([`${y} \\ ${x}`, ...sweep.axes[ix].values.map(String)], rows));
  }
  return lines;
}
