/** A phase-diagram cell's look (fill, text, running state, description) and its units' progress. */
import { describe, expect, it } from "vitest";
import { cellAppearance, scaleFor } from "../../web/dashboard/cell-appearance.js";
import { cellProgress, unitState } from "../../web/dashboard/cell-progress.js";
import { NEVER_COLOUR, NO_DATA_COLOUR, PHASE_COLOURS } from "../../web/dashboard/colour-scale.js";
import type { UnitListing } from "../../web/dashboard/types.js";
import { cellsOf, grokkingRun } from "./runs-fixture.js";

const NOW = 1_000_000;
const PATHS = ["optimizer.weightDecay"];

function unit(cell: number[], status: UnitListing["status"], extra: Partial<UnitListing> = {}): UnitListing {
  return { id: `u${Math.random()}`, cell, seed: 0, config: {} as UnitListing["config"], status, validatedHash: null, leases: [], results: [], ...extra };
}

describe("unitState and cellProgress", () => {
  it("sorts units into the sweep's five states", () => {
    expect(unitState(unit([1], "validated"), NOW)).toBe("validated");
    expect(unitState(unit([1], "failed"), NOW)).toBe("failed");
    expect(unitState(unit([1], "pending", { leases: [{ status: "live", deadline: NOW + 1, progressStep: 3 }] }), NOW)).toBe("leased");
    // A live lease past its deadline no longer counts.
    expect(unitState(unit([1], "pending", { leases: [{ status: "live", deadline: NOW, progressStep: 3 }] }), NOW)).toBe("pending");
    expect(unitState(unit([1], "pending", { results: [{ status: "pending", backend: "wasm-simd" }] }), NOW)).toBe("awaitingQuorum");
    expect(unitState(unit([1], "pending", { results: [{ status: "invalid", backend: "wasm-simd" }] }), NOW)).toBe("pending");
  });

  it("counts them per cell", () => {
    const progress = cellProgress([unit([1], "validated"), unit([1], "failed"), unit([2], "pending"), unit([2], "validated")], NOW);
    expect(progress.get("[1]")).toEqual({ pending: 0, leased: 0, awaitingQuorum: 0, validated: 1, failed: 1 });
    expect(progress.get("[2]")).toEqual({ pending: 1, leased: 0, awaitingQuorum: 0, validated: 1, failed: 0 });
  });
});

describe("cellAppearance", () => {
  const grokking = [grokkingRun([1], 0, { memorizeAt: 10, generalizeAt: 300 }), grokkingRun([1], 1, { memorizeAt: 10, generalizeAt: 200 })];
  const memorizing = grokkingRun([10], 0, { memorizeAt: 10, generalizeAt: null });
  const cells = cellsOf([...grokking, memorizing], [[10], [0.1]]);
  const [grokCell, memCell, emptyCell] = cells;
  const done = { pending: 0, leased: 0, awaitingQuorum: 0, validated: 2, failed: 0 };
  const running = { pending: 0, leased: 1, awaitingQuorum: 0, validated: 1, failed: 0 };

  it("colours a cell by its phase and says it", () => {
    const look = cellAppearance(grokCell, done, "phase", null, PATHS);
    expect(look).toMatchObject({ fill: PHASE_COLOURS.grokking, text: "grokking", state: "done", metric: null, textColour: "#ffffff" });
    expect(look.description).toBe(
      "optimizer.weightDecay 1: grokking (2 of 2 seeds validated: grokking 2); generalization step median 250 (min 200, max 300, 2 seeds); " +
        "grokking delay median 240 (min 190, max 290, 2 seeds); final test accuracy median 1 (min 1, max 1, 2 seeds)",
    );
  });

  it("marks a cell with units still to come as running, with validated/seeds", () => {
    const look = cellAppearance(memCell, running, "phase", null, PATHS);
    expect(look).toMatchObject({ fill: PHASE_COLOURS.memorization, text: "memorization · 1/2", state: "running" });
    expect(look.description).toContain("still running: 1 leased, 0 awaiting quorum, 0 pending");
  });

  it("shows a cell without a validated run as empty", () => {
    const look = cellAppearance(emptyCell, { pending: 1, leased: 0, awaitingQuorum: 0, validated: 0, failed: 0 }, "phase", null, PATHS);
    expect(look).toMatchObject({ fill: NO_DATA_COLOUR, text: "no run yet", state: "empty" });
    expect(look.description).toBe("optimizer.weightDecay 0.1: no validated run yet (1 seeds); still running: 0 leased, 0 awaiting quorum, 1 pending");
  });

  it("colours by a step metric's median on the sweep-wide log scale, and a metric never reached grey", () => {
    const scale = scaleFor(cells, "generalizationStep")!;
    expect([scale.lo, scale.hi]).toEqual([250, 250]);
    const look = cellAppearance(grokCell, done, "generalizationStep", scale, PATHS);
    expect(look).toMatchObject({ fill: scale.colour(250), text: "250", metric: { median: 250, min: 200, max: 300, n: 2 } });
    expect(cellAppearance(memCell, running, "generalizationStep", scale, PATHS)).toMatchObject({ fill: NEVER_COLOUR, text: "never · 1/2", metric: null });
  });

  it("falls back on the aggregate's counts when the units are unknown, and reports failed units", () => {
    expect(cellAppearance(memCell, undefined, "phase", null, PATHS).state).toBe("running");
    expect(cellAppearance(grokCell, undefined, "phase", null, PATHS).state).toBe("done");
    expect(cellAppearance(grokCell, { ...done, validated: 1, failed: 1 }, "phase", null, PATHS).description).toMatch(/; 1 failed$/);
  });

  it("needs a scale in a metric mode", () => {
    expect(() => cellAppearance(grokCell, done, "grokkingDelay", null, PATHS)).toThrow(/colour mode grokkingDelay needs a log scale/);
  });
});
