/**
 * RunPace (src/engine/run-plan.ts), the pace the CLI's progress display and the volunteer page show:
 * FLOPs done over the time since the first report, and the FLOPs left (steps and evaluations) at that
 * rate, on a pinned clock.
 */
import { describe, expect, it } from "vitest";
import { parseRunConfig, planRun, RunPace } from "../../src/index.js";
import { smallMlpConfig } from "../support/configs.js";

const point = (step: number) => ({ step, trainLoss: 1, trainAccuracy: 0.5, testLoss: 1, testAccuracy: 0.1, weightNorm: 3, embeddingNorm: 1, otherNorm: 2 });

describe("RunPace", () => {
  // Made-up round FLOPs, so the expected figures can be worked out by hand: 100 steps, evaluations at 0, 50 and 100.
  const config = { steps: 100, evalInterval: 50 };
  const plan = { evaluations: 3, flops: { perStep: 1e9, perEvaluation: 4e9, setup: 2e9, perRun: 0, perStepByKernel: {} } };

  it("gives no rate or ETA until time has passed, then FLOPs done over seconds, and FLOPs left over that rate", () => {
    let now = 1000;
    const pace = new RunPace(config, plan, 0, () => now);
    expect(pace.update({ step: 0, point: point(0) })).toEqual({ flopsPerSecond: null, etaSeconds: null });
    now += 100;
    // Too soon after the first report for a rate.
    expect(pace.update({ step: 1 }).flopsPerSecond).toBeNull();
    now = 3000;
    // 20 steps in 2 s: 20 GFLOP, 10 GFLOP/s; left: 80 steps and 2 evaluations = 88 GFLOP → 8.8 s.
    expect(pace.update({ step: 20 })).toEqual({ flopsPerSecond: 10e9, etaSeconds: 8.8 });
    now = 7000;
    // Step 50 with its evaluation: 50 + 4 GFLOP in 6 s = 9 GFLOP/s; left 50 GFLOP of steps + one evaluation = 54 GFLOP → 6 s.
    const later = pace.update({ step: 50, point: point(50) });
    expect(later.flopsPerSecond! / 1e9).toBeCloseTo(9, 12);
    expect(later.etaSeconds).toBeCloseTo(6, 12);
  });

  it("on a real run plan: steps and evaluations left, and no time left at the last evaluation", () => {
    const real = parseRunConfig(smallMlpConfig({ steps: 100, evalInterval: 10 }));
    const { perStep, perEvaluation } = planRun(real).flops;
    let clock = 0;
    const pace = new RunPace(real, planRun(real), 0, () => clock);
    expect(pace.update({ step: 0, point: point(0) }).etaSeconds).toBeNull();
    // 10 steps and one more evaluation in 2 s.
    clock = 2000;
    const rate = (10 * perStep + perEvaluation) / 2;
    expect(pace.update({ step: 10, point: point(10) }).etaSeconds).toBeCloseTo((90 * perStep + 9 * perEvaluation) / rate, 9); // 11 evaluations in all, 2 done
    // Between evaluations: only the steps count as done.
    clock = 3000;
    const rate2 = (15 * perStep + perEvaluation) / 3;
    expect(pace.update({ step: 15 }).etaSeconds).toBeCloseTo((85 * perStep + 9 * perEvaluation) / rate2, 9);
    for (let step = 20; step <= 100; step += 10) {
      clock = step * 200;
      const { etaSeconds } = pace.update({ step, point: point(step) });
      expect(etaSeconds! > 0).toBe(step < 100);
    }
  });

  it("counts the evaluations a resumed run has already made", () => {
    const real = parseRunConfig(smallMlpConfig({ steps: 100, evalInterval: 10 }));
    const plan = planRun(real);
    let clock = 0;
    const pace = new RunPace(real, plan, 50, () => clock);
    pace.update({ step: 50 });
    clock = 1000;
    const { perStep, perEvaluation } = plan.flops;
    // Evaluations at 0…50 (6) were made before; 60 is the 7th, and 4 are left.
    expect(pace.update({ step: 60, point: point(60) }).etaSeconds).toBeCloseTo((40 * perStep + 4 * perEvaluation) / (10 * perStep + perEvaluation), 9);
  });
});
