/**
 * The pace of the unit in training (web/volunteer/pace.ts): GFLOP/s from the run plan's FLOPs over
 * the time since the first report, the ETA as the FLOPs left over that rate, on a pinned clock.
 */
import { describe, expect, it } from "vitest";
import { planRun, parseRunConfig } from "../../src/index.js";
import { UnitPace } from "../../web/volunteer/pace.js";
import { smallMlpConfig } from "../support/configs.js";

const point = (step: number) => ({ step, trainLoss: 1, trainAccuracy: 0.5, testLoss: 1, testAccuracy: 0.1, weightNorm: 3, embeddingNorm: 1, otherNorm: 2 });

describe("the unit's pace", () => {
  // Made-up round FLOPs, so the expected figures can be worked out by hand: 100 steps, evaluations at 0, 50 and 100.
  const plan = { evaluations: 3, flops: { perStep: 1e9, perEvaluation: 4e9, setup: 2e9, perRun: 0, perStepByKernel: {} } };

  it("gives no rate or ETA until time has passed, then FLOPs done over seconds, and FLOPs left over that rate", () => {
    let now = 1000;
    const pace = new UnitPace(100, plan, () => now);
    expect(pace.update({ step: 0, steps: 100, stepsPerSecond: 0, point: point(0) })).toEqual({ stepsPerSecond: 0, gflopsPerSecond: null, etaSeconds: null });
    now += 100;
    // Too soon after the first report for a rate.
    expect(pace.update({ step: 1, steps: 100, stepsPerSecond: 10 }).gflopsPerSecond).toBeNull();
    now = 3000;
    // 20 steps in 2 s: 20 GFLOP, 10 GFLOP/s; left: 80 steps and 2 evaluations = 88 GFLOP → 8.8 s.
    expect(pace.update({ step: 20, steps: 100, stepsPerSecond: 10 })).toEqual({ stepsPerSecond: 10, gflopsPerSecond: 10, etaSeconds: 8.8 });
    now = 7000;
    // Step 50 with its evaluation: 50 + 4 GFLOP in 6 s = 9 GFLOP/s; left 50 GFLOP of steps + one evaluation = 54 GFLOP → 6 s.
    const later = pace.update({ step: 50, steps: 100, stepsPerSecond: 10, point: point(50) });
    expect(later.gflopsPerSecond).toBeCloseTo(9, 12);
    expect(later.etaSeconds).toBeCloseTo(6, 12);
  });

  it("reaches no time left at the last evaluation of a real run plan", () => {
    const config = parseRunConfig(smallMlpConfig({ steps: 20, evalInterval: 10 }));
    let now = 0;
    const pace = new UnitPace(config.steps, planRun(config), () => now);
    for (const step of [0, 10, 20]) {
      now = step * 100;
      const { etaSeconds } = pace.update({ step, steps: 20, stepsPerSecond: 10, point: point(step) });
      if (step === 20) expect(etaSeconds).toBe(0);
      if (step === 10) expect(etaSeconds).toBeGreaterThan(0);
    }
  });
});
