/**
 * Acceptance: the quadratic MLP of Doshi, Das, He & Gromov 2023 ("To grok or not to grok") groks
 * a + b mod 97 — train accuracy reaches 0.99 first and test accuracy 0.99 later, within 100 steps,
 * for three seeds (published: train 0.99 near step 20, test 0.99 near step 44).
 */
import { describe, expect, it } from "vitest";
import { quadraticMlpConfig } from "../../src/config/presets.js";
import { train } from "../../src/node.js";

export const doshiConfig = (seed: number) => ({ ...quadraticMlpConfig({ seed }), earlyStopTestAccuracy: 0.99 });

describe("Doshi et al. 2023 quadratic MLP on a + b mod 97", () => {
  it.each([0, 1, 2])("groks within 100 steps, seed %i", async (seed) => {
    const { summary, curves } = await train(doshiConfig(seed));
    const { memorizationStep, generalizationStep } = summary;
    expect(memorizationStep).not.toBeNull();
    expect(generalizationStep).not.toBeNull();
    expect(memorizationStep!).toBeLessThan(generalizationStep!);
    expect(generalizationStep!).toBeLessThanOrEqual(100);
    // Memorised first: at the memorisation step the test set is still far from solved.
    expect(curves.find((p) => p.step === memorizationStep)!.testAccuracy).toBeLessThan(0.5);
    console.log(`seed ${seed}: train 0.99 at step ${memorizationStep}, test 0.99 at step ${generalizationStep} (published ~20 and ~44)`);
  });
});
