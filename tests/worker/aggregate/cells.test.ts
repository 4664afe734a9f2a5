import { describe, expect, it } from "vitest";
import type { RunSummary } from "../../../src/config/run-result.js";
import { aggregateCells, cellsToCsv, spreadOf, type UnitRow } from "../../../worker/src/aggregate/cells.js";
import { majorityPhase, phaseOf } from "../../../worker/src/aggregate/phases.js";

const thresholds = { trainAccuracy: 0.99, testAccuracy: 0.99, grokkingDelay: 1000 };

/** A summary; `loss` null: a diverged run, whose final losses and norms are null. */
function summary(train: number, test: number, mem: number | null, gen: number | null, loss: number | null = 0.1): RunSummary {
  const norm = (value: number) => (loss === null ? null : value);
  const final = { step: 5000, trainLoss: loss, trainAccuracy: train, testLoss: loss === null ? null : loss * 2, testAccuracy: test, weightNorm: norm(30), embeddingNorm: norm(18), otherNorm: norm(24) };
  return {
    memorizationStep: mem,
    generalizationStep: gen,
    grokkingDelay: mem !== null && gen !== null ? gen - mem : null,
    stepsRun: 5000,
    stoppedEarly: false,
    final,
    paramsHash: "0".repeat(64),
    resultDigest: "1".repeat(64),
    parameterCount: 1000,
    stepsPerSecond: 100,
    wallSeconds: 50,
  };
}

describe("phaseOf (Liu et al. 2022)", () => {
  it.each([
    ["comprehension", summary(1, 1, 200, 600)],
    ["grokking", summary(1, 1, 200, 5000)],
    ["memorization", summary(1, 0.3, 200, null)],
    ["confusion", summary(0.5, 0.1, null, null)],
  ])("%s", (phase, s) => {
    expect(phaseOf(s, thresholds)).toBe(phase);
  });

  it("follows the sweep's thresholds", () => {
    expect(phaseOf(summary(1, 1, 200, 5000), { ...thresholds, grokkingDelay: 10_000 })).toBe("comprehension");
    expect(phaseOf(summary(0.95, 0.95, null, null), { ...thresholds, trainAccuracy: 0.9, testAccuracy: 0.9 })).toBe("comprehension");
  });

  it("majority, ties to the earlier phase", () => {
    expect(majorityPhase(["grokking", "memorization", "grokking"])).toBe("grokking");
    expect(majorityPhase(["memorization", "grokking"])).toBe("grokking");
    expect(majorityPhase([])).toBeNull();
  });
});

describe("spreadOf", () => {
  it("gives median, min, max and count", () => {
    expect(spreadOf([5, 1, 3])).toEqual({ median: 3, min: 1, max: 5, n: 3 });
    expect(spreadOf([4, 1, 3, 2])).toEqual({ median: 2.5, min: 1, max: 4, n: 4 });
    expect(spreadOf([])).toBeNull();
  });
});

describe("aggregateCells", () => {
  const units: UnitRow[] = [
    { cell: [1, 0.5], seed: 0, status: "validated", summary: summary(1, 1, 100, 3000) },
    { cell: [1, 0.5], seed: 1, status: "validated", summary: summary(1, 1, 120, 2600) },
    { cell: [1, 0.5], seed: 2, status: "pending", summary: null },
    { cell: [0, 0.5], seed: 0, status: "validated", summary: summary(1, 0.2, 90, null) },
    { cell: [0, 0.5], seed: 1, status: "failed", summary: null },
  ];

  it("groups by cell and aggregates validated seeds only", () => {
    const [grok, mem] = aggregateCells(units, thresholds);
    expect(grok).toMatchObject({ cell: [1, 0.5], seeds: 3, validated: 2, phase: "grokking" });
    expect(grok.metrics.generalizationStep).toEqual({ median: 2800, min: 2600, max: 3000, n: 2 });
    expect(grok.metrics.grokkingDelay).toEqual({ median: 2690, min: 2480, max: 2900, n: 2 });
    expect(mem).toMatchObject({ cell: [0, 0.5], seeds: 2, validated: 1, phase: "memorization" });
    // Never generalized: the step metric has no values rather than a made-up one.
    expect(mem.metrics.generalizationStep).toBeNull();
    expect(mem.phaseCounts).toEqual({ comprehension: 0, grokking: 0, memorization: 1, confusion: 0 });
  });

  it("leaves a diverged seed's null losses and norms out of their spreads, and counts it everywhere else", () => {
    const diverged: UnitRow[] = [
      { cell: [9], seed: 0, status: "validated", summary: summary(1, 0.2, 90, null, 0.3) },
      { cell: [9], seed: 1, status: "validated", summary: summary(0.05, 0.04, null, null, null) },
    ];
    const [cell] = aggregateCells(diverged, thresholds);
    expect(cell).toMatchObject({ validated: 2, phaseCounts: { memorization: 1, confusion: 1 } });
    expect(cell.metrics.finalTrainLoss).toEqual({ median: 0.3, min: 0.3, max: 0.3, n: 1 });
    expect(cell.metrics.finalWeightNorm).toEqual({ median: 30, min: 30, max: 30, n: 1 });
    expect(cell.metrics.finalTrainAccuracy).toEqual({ median: 0.525, min: 0.05, max: 1, n: 2 });
    const [, row] = cellsToCsv(["x"], [cell]).trim().split("\n");
    expect(row).not.toMatch(/null|NaN/);
  });

  it("writes CSV with one column per axis and quoted fields where needed", () => {
    const csv = cellsToCsv(["optimizer.weightDecay", "task.trainFraction"], aggregateCells(units, thresholds));
    const [header, first, second] = csv.trim().split("\n");
    expect(header.split(",").slice(0, 4)).toEqual(["optimizer.weightDecay", "task.trainFraction", "seeds", "validated"]);
    expect(first.startsWith("1,0.5,3,2,grokking,")).toBe(true);
    expect(second.startsWith("0,0.5,2,1,memorization,")).toBe(true);
    expect(cellsToCsv(["name"], [{ ...aggregateCells(units, thresholds)[0], cell: ['a,"b"'] }]).split("\n")[1].startsWith('"a,""b""",')).toBe(true);
  });
});
