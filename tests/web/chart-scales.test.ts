/** The charts' log axes (ticks and labels) and ranges. */
import { describe, expect, it } from "vitest";
import type uPlot from "uplot";
import { exactRange, logAxisValues, logSplits, paddedLogRange } from "../../web/dashboard/chart-scales.js";

/** A chart whose y axis (index 1) shows [min, max]. */
const showing = (min: number, max: number) => ({ axes: [{ scale: "x" }, { scale: "y" }], scales: { y: { min, max } } }) as unknown as uPlot;
const chart = showing(1, 10);

/** The ticks and labels a log axis over [min, max] gets. */
function axisOver(min: number, max: number): string[] {
  return logAxisValues(showing(min, max), logSplits(chart, 1, min, max), 1);
}

describe("log axes", () => {
  it("tick a narrow axis at round linear steps, every one labelled", () => {
    expect(logSplits(chart, 1, 7.3, 15.6)).toEqual([8, 10, 12, 14]);
    expect(axisOver(7.3, 15.6)).toEqual(["8", "10", "12", "14"]);
    expect(axisOver(0.0114, 0.1)).toEqual(["0.02", "0.04", "0.06", "0.08", "0.1"]);
  });

  it("tick across decades at 1–9 × 10^k, labelling 1, 2 and 5 × 10^k up to three decades", () => {
    expect(logSplits(chart, 1, 8, 250)).toEqual([8, 9, 10, 20, 30, 40, 50, 60, 70, 80, 90, 100, 200]);
    expect(axisOver(8, 250)).toEqual(["", "", "10", "20", "", "", "50", "", "", "", "", "100", "200"]);
    expect(axisOver(0.0114, 0.13).filter(Boolean)).toEqual(["0.02", "0.05", "0.1"]);
  });

  it("label only the powers of ten beyond three decades", () => {
    expect(axisOver(1.6e-5, 0.125).filter(Boolean)).toEqual(["0.0001", "0.001", "0.01", "0.1"]);
  });

  it("have no ticks without a positive range", () => {
    expect(logSplits(chart, 1, 0, 10)).toEqual([]);
    expect(logSplits(chart, 1, 5, 5)).toEqual([]);
  });
});

describe("ranges", () => {
  it("pad a log range by a quarter each side, with a fallback when there is no data", () => {
    expect(paddedLogRange(chart, 8, 20)).toEqual([6.4, 25]);
    expect(paddedLogRange(chart, null, null)).toEqual([1, 10]);
    expect(paddedLogRange(chart, 0, 5)).toEqual([1, 10]);
  });

  it("fit a step axis to the steps exactly, widening a single step", () => {
    expect(exactRange(chart, 10, 150)).toEqual([10, 150]);
    expect(exactRange(chart, 10, 10)).toEqual([5, 20]);
  });
});
