/** The phase diagram's grid: two chosen axes of a sweep with more, the others held at chosen values. */
import { describe, expect, it } from "vitest";
import { cellKey, defaultChoice, layoutHeatmap } from "../../web/dashboard/heatmap-layout.js";
import type { AxisValue, SweepAxis } from "../../web/dashboard/types.js";
import { cellsOf, grokkingRun } from "./runs-fixture.js";

const AXES: SweepAxis[] = [
  { path: "optimizer.weightDecay", values: [0.1, 1, 10] },
  { path: "task.trainFraction", values: [0.3, 0.5] },
  { path: "optimizer.lr", values: [0.001, 0.003] },
];

/** One run per grid point of AXES, generalizing at a step that encodes its coordinates. */
function runsOverGrid() {
  const runs = [];
  for (const [a, wd] of AXES[0].values.entries())
    for (const [b, tf] of AXES[1].values.entries())
      for (const [c, lr] of AXES[2].values.entries()) runs.push(grokkingRun([wd, tf, lr], 0, { memorizeAt: 10, generalizeAt: 100 * (1 + a) + 20 * b + 10 * c }));
  return runs;
}

describe("layoutHeatmap", () => {
  const cells = cellsOf(runsOverGrid());

  it("lays the chosen x axis out as columns and y as rows, the third axis held at its chosen value", () => {
    const layout = layoutHeatmap(AXES, cells, { x: 2, y: 0, fixed: [0.1, 0.5, 0.001] });
    expect(layout.columns).toEqual([0.001, 0.003]);
    expect(layout.rows).toEqual([0.1, 1, 10]);
    expect(layout.cells.map((row) => row.map((cell) => cell!.cell))).toEqual([
      [[0.1, 0.5, 0.001], [0.1, 0.5, 0.003]],
      [[1, 0.5, 0.001], [1, 0.5, 0.003]],
      [[10, 0.5, 0.001], [10, 0.5, 0.003]],
    ]);
    // The cell's own aggregate, not just its coordinates: its generalization step encodes them.
    expect(layout.cells[2][1]!.metrics.generalizationStep!.median).toBe(300 + 20 + 10);
    expect(layout.cells[0][0]!.metrics.generalizationStep!.median).toBe(100 + 20);
  });

  it("changes slice when a fixed value changes, and ignores the fixed values of x and y", () => {
    const layout = layoutHeatmap(AXES, cells, { x: 0, y: 1, fixed: [999, 999, 0.003] });
    expect(layout.cells.flat().map((cell) => cell!.cell)).toEqual([
      [0.1, 0.3, 0.003], [1, 0.3, 0.003], [10, 0.3, 0.003],
      [0.1, 0.5, 0.003], [1, 0.5, 0.003], [10, 0.5, 0.003],
    ]);
  });

  it("leaves a grid point without an aggregate empty (null)", () => {
    const some = cells.filter((cell) => cellKey(cell.cell) !== cellKey([1, 0.3, 0.001]));
    const layout = layoutHeatmap(AXES, some, defaultChoice(AXES));
    expect(layout.cells[0][1]).toBeNull();
    expect(layout.cells.flat().filter((cell) => cell === null)).toHaveLength(1);
  });

  it("defaults to the first two axes, the rest at their first values", () => {
    expect(defaultChoice(AXES)).toEqual({ x: 0, y: 1, fixed: [0.1, 0.3, 0.001] });
    expect(defaultChoice([AXES[0]])).toEqual({ x: 0, y: null, fixed: [0.1] });
    expect(defaultChoice([])).toEqual({ x: null, y: null, fixed: [] });
  });

  it("draws a one-axis sweep as one row and an axis-less sweep as one cell", () => {
    const one: SweepAxis[] = [{ path: "optimizer.weightDecay", values: [0.1, 1] }];
    const oneAxis = layoutHeatmap(one, cellsOf([grokkingRun([0.1], 0, { memorizeAt: 10, generalizeAt: 50 }), grokkingRun([1], 0, { memorizeAt: 10, generalizeAt: 60 })]), defaultChoice(one));
    expect(oneAxis.rows).toEqual([null]);
    expect(oneAxis.cells[0].map((cell) => cell!.cell)).toEqual([[0.1], [1]]);
    const none = layoutHeatmap([], cellsOf([grokkingRun([], 0, { memorizeAt: 10, generalizeAt: 50 })]), defaultChoice([]));
    expect(none.columns).toEqual([null]);
    expect(none.cells).toEqual([[expect.objectContaining({ cell: [], seeds: 1 })]]);
  });

  it("tells values of different types apart (1 and \"1\")", () => {
    const mixed: SweepAxis[] = [{ path: "model.activation", values: [1, "1"] as AxisValue[] }];
    const layout = layoutHeatmap(mixed, cellsOf([grokkingRun(["1"], 0, { memorizeAt: 10, generalizeAt: 70 })]), defaultChoice(mixed));
    expect(layout.cells[0][0]).toBeNull();
    expect(layout.cells[0][1]!.cell).toEqual(["1"]);
  });

  it("refuses a choice that names no axis, one axis twice, or a value the axis does not have", () => {
    expect(() => layoutHeatmap(AXES, cells, { x: 3, y: 0, fixed: [0.1, 0.3, 0.001] })).toThrow(/axis choice x: expected an axis index below 3 or null, got 3/);
    expect(() => layoutHeatmap(AXES, cells, { x: 1, y: 1, fixed: [0.1, 0.3, 0.001] })).toThrow(/x and y are both axis 1 \(task\.trainFraction\)/);
    expect(() => layoutHeatmap(AXES, cells, { x: 0, y: 1, fixed: [0.1, 0.3, 0.002] })).toThrow(/fixed\[2\] \(optimizer\.lr\): 0\.002 is not one of the axis's values \[0\.001,0\.003\]/);
    expect(() => layoutHeatmap(AXES, cells, { x: 0, y: 1, fixed: [0.1] })).toThrow(/expected 3 values \(one per axis\), got 1/);
    expect(() => layoutHeatmap(AXES, cells, { x: null, y: 1, fixed: [0.1, 0.3, 0.001] })).toThrow(/y is set without x/);
  });
});
