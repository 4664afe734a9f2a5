/**
 * The phase diagram's grid: a sweep's cells laid out over two chosen grid axes (columns: x, rows: y),
 * every other axis held at a chosen value. Pure: the page draws what this returns.
 */
import type { CellAggregate } from "../../worker/src/aggregate/cells.js";
import type { AxisValue, SweepAxis } from "./types.js";

/** Which axes span the diagram; null: no such axis (a sweep with fewer than two axes). */
export interface AxisChoice {
  x: number | null;
  y: number | null;
  /** A value for every axis, in axis order; those of x and y are ignored. */
  fixed: AxisValue[];
}

export interface HeatmapLayout {
  x: number | null;
  y: number | null;
  /** The x axis's values in the sweep's order, or [null] for a single unnamed column. */
  columns: (AxisValue | null)[];
  /** The y axis's values in the sweep's order, or [null] for a single unnamed row. */
  rows: (AxisValue | null)[];
  /** cells[row][column]: the grid point's aggregate, or null if the API reported none for it. */
  cells: (CellAggregate | null)[][];
}

/** The first two axes span the diagram, the others are fixed at their first value. */
export function defaultChoice(axes: readonly SweepAxis[]): AxisChoice {
  return { x: axes.length > 0 ? 0 : null, y: axes.length > 1 ? 1 : null, fixed: axes.map((axis) => axis.values[0]) };
}

/** A key equal for equal axis values, whatever their type (1 and "1" differ). */
export function cellKey(values: readonly AxisValue[]): string {
  return JSON.stringify(values);
}

export function layoutHeatmap(axes: readonly SweepAxis[], cells: readonly CellAggregate[], choice: AxisChoice): HeatmapLayout {
  checkChoice(axes, choice);
  const byKey = new Map(cells.map((cell) => [cellKey(cell.cell), cell]));
  const columns = choice.x === null ? [null] : [...axes[choice.x].values];
  const rows = choice.y === null ? [null] : [...axes[choice.y].values];
  const pointAt = (column: AxisValue | null, row: AxisValue | null): AxisValue[] =>
    axes.map((_, i) => (i === choice.x ? column! : i === choice.y ? row! : choice.fixed[i]));
  return {
    x: choice.x,
    y: choice.y,
    columns,
    rows,
    cells: rows.map((row) => columns.map((column) => byKey.get(cellKey(pointAt(column, row))) ?? null)),
  };
}

function checkChoice(axes: readonly SweepAxis[], { x, y, fixed }: AxisChoice): void {
  const inRange = (i: number | null) => i === null || (Number.isInteger(i) && i >= 0 && i < axes.length);
  if (!inRange(x)) throw new RangeError(`axis choice x: expected an axis index below ${axes.length} or null, got ${x}`);
  if (!inRange(y)) throw new RangeError(`axis choice y: expected an axis index below ${axes.length} or null, got ${y}`);
  if (x !== null && x === y) throw new RangeError(`axis choice: x and y are both axis ${x} (${axes[x].path}); expected two different axes`);
  if (x === null && y !== null) throw new RangeError("axis choice: y is set without x; expected x to be set first");
  if (fixed.length !== axes.length) throw new RangeError(`axis choice fixed: expected ${axes.length} values (one per axis), got ${fixed.length}`);
  axes.forEach((axis, i) => {
    if (i === x || i === y) return;
    if (!axis.values.some((value) => cellKey([value]) === cellKey([fixed[i]]))) {
      throw new RangeError(`axis choice fixed[${i}] (${axis.path}): ${JSON.stringify(fixed[i])} is not one of the axis's values ${JSON.stringify(axis.values)}`);
    }
  });
}
