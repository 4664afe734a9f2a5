/** The curve overlay's data: a cell's runs on one step axis (log: step 0 left out), gaps as null. */
import { describe, expect, it } from "vitest";
import { overlayCurves } from "../../web/dashboard/curve-series.js";
import { makeRun, point } from "./runs-fixture.js";

describe("overlayCurves", () => {
  const short = makeRun([1], 0, [point(0, { trainAccuracy: 0.1, testAccuracy: 0.05 }), point(5, { trainAccuracy: 0.6, testAccuracy: 0.2 }), point(10, { trainAccuracy: 1, testAccuracy: 0.4 })]);
  const long = makeRun([1], 1, [point(0), point(10, { trainAccuracy: 0.9, testAccuracy: 0.3 }), point(20, { trainAccuracy: 1, testAccuracy: 1 })]);

  it("joins the runs' steps (after step 0) and gives a train and a test series per run, null where a run has no evaluation", () => {
    const overlay = overlayCurves([short, long], "accuracy");
    expect(overlay.steps).toEqual([5, 10, 20]);
    expect(overlay.series).toEqual([
      { label: "train · seed 0 · 1", run: 0, kind: "train", values: [0.6, 1, null] },
      { label: "test · seed 0 · 1", run: 0, kind: "test", values: [0.2, 0.4, null] },
      { label: "train · seed 1 · 1", run: 1, kind: "train", values: [null, 0.9, 1] },
      { label: "test · seed 1 · 1", run: 1, kind: "test", values: [null, 0.3, 1] },
    ]);
  });

  it("plots losses with gaps where a log axis cannot place them", () => {
    const run = makeRun([], 0, [point(0), point(10, { trainLoss: 0.5, testLoss: 2 }), point(20, { trainLoss: 0, testLoss: 1.5 })]);
    const overlay = overlayCurves([run], "loss");
    expect(overlay.series.map((s) => s.values)).toEqual([[0.5, null], [2, 1.5]]);
  });

  it("plots the weight norm as one series per run", () => {
    const overlay = overlayCurves([short, long], "weightNorm");
    expect(overlay.series.map((s) => [s.kind, s.values])).toEqual([
      ["weight norm", [short.curves[1].weightNorm, short.curves[2].weightNorm, null]],
      ["weight norm", [null, long.curves[1].weightNorm, long.curves[2].weightNorm]],
    ]);
  });

  it("has no steps and no series without runs", () => {
    expect(overlayCurves([], "accuracy")).toEqual({ steps: [], series: [] });
  });
});
