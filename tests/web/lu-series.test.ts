/** The LU view's data: final losses against final weight norm per run, and each run's trajectory. */
import { describe, expect, it } from "vitest";
import { luScatter, runLabel, trajectories } from "../../web/dashboard/lu-series.js";
import { grokkingRun, makeRun, point, THRESHOLDS } from "./runs-fixture.js";

describe("luScatter", () => {
  it("gives a train and a test loss series per backend, each point a run's final weight norm and loss", () => {
    const a = makeRun([1, 0.5], 0, [point(0), point(10, { weightNorm: 12.5, trainLoss: 0.02, testLoss: 1.7 })]);
    const b = makeRun([1, 0.5], 1, [point(0), point(10, { weightNorm: 8.25, trainLoss: 0.5, testLoss: 0.3 })]);
    const gpu = makeRun([1, 0.5], 0, [point(0), point(10, { weightNorm: 12.4, trainLoss: 0.021, testLoss: 1.69 })], "tfjs-webgpu");
    const { series, omitted } = luScatter([gpu, a, b]);
    expect(omitted).toBe(0);
    expect(series.map((s) => s.label)).toEqual(["train loss (wasm-simd)", "test loss (wasm-simd)", "train loss (tfjs-webgpu)", "test loss (tfjs-webgpu)"]);
    expect(series[0]).toMatchObject({ loss: "train", backend: "wasm-simd", weightNorms: [12.5, 8.25], losses: [0.02, 0.5], runs: [a, b] });
    expect(series[1]).toMatchObject({ loss: "test", weightNorms: [12.5, 8.25], losses: [1.7, 0.3] });
    expect(series[3]).toMatchObject({ backend: "tfjs-webgpu", weightNorms: [12.4], losses: [1.69], runs: [gpu] });
  });

  it("leaves out (and counts) runs a log axis cannot place", () => {
    const zeroLoss = makeRun([], 0, [point(0), point(10, { testLoss: 0 })]);
    const fine = makeRun([], 1, [point(0), point(10, { weightNorm: 3 })]);
    const { series, omitted } = luScatter([zeroLoss, fine]);
    expect(omitted).toBe(1);
    expect(series.map((s) => s.weightNorms)).toEqual([[3], [3]]);
  });

  it("has no series without runs", () => {
    expect(luScatter([])).toEqual({ series: [], omitted: 0 });
  });
});

describe("trajectories", () => {
  it("follows each run's weight norm and chosen loss through training, labelled with its phase", () => {
    const grokking = grokkingRun([0.1], 0, { memorizeAt: 20, generalizeAt: 300 });
    const memorizing = grokkingRun([10], 1, { memorizeAt: 20, generalizeAt: null });
    const [first, second] = trajectories([grokking, memorizing], "test", THRESHOLDS);
    expect(first.phase).toBe("grokking");
    expect(second.phase).toBe("memorization");
    expect(first.steps).toEqual(grokking.curves.map((p) => p.step));
    expect(first.weightNorms).toEqual(grokking.curves.map((p) => p.weightNorm));
    expect(first.losses).toEqual(grokking.curves.map((p) => p.testLoss));
    expect(trajectories([grokking], "train", THRESHOLDS)[0].losses).toEqual(grokking.curves.map((p) => p.trainLoss));
    expect(first.label).toBe("seed 0 · 0.1");
  });

  it("leaves out evaluations with a non-positive loss or norm, and counts them", () => {
    const run = makeRun([], 0, [point(0, { weightNorm: 0 }), point(10, { testLoss: 0.5 }), point(20, { testLoss: -1 })]);
    const [t] = trajectories([run], "test", THRESHOLDS);
    expect(t).toMatchObject({ steps: [10], losses: [0.5], omitted: 2 });
  });
});

describe("runLabel", () => {
  it("names the seed, the cell and a backend other than wasm-simd", () => {
    expect(runLabel(makeRun([0.3, "relu", true], 4, [point(0)]))).toBe("seed 4 · 0.3, relu, true");
    expect(runLabel(makeRun([], 2, [point(0)], "tfjs-webgpu"))).toBe("seed 2 (tfjs-webgpu)");
  });
});
