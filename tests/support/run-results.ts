/**
 * Valid RunResults for the API tests, built with the engine's own schema: a result for a unit's
 * config with a chosen paramsHash and backend, curves with a few points from step 0 to the last
 * step run, and the parameter count of the config's model as the engine lays it out.
 */
import { createHash } from "node:crypto";
import { parseRunConfig, type RunConfigInput } from "../../src/config/run-config.js";
import { runResultSchema, type RunMeta, type RunResult } from "../../src/config/run-result.js";
import { planRun } from "../../src/engine/run-plan.js";

/** A 64-hex-digit params hash named by a label ("A", "B"…). */
export function hashOf(label: string): string {
  return createHash("sha256").update(label).digest("hex");
}

export interface ResultOptions {
  paramsHash?: string;
  backend?: RunMeta["backend"];
  finalTrainAccuracy?: number;
  finalTestAccuracy?: number;
  /** Step of the first test accuracy ≥ 0.99, or null; default: the last eval step. */
  generalizationStep?: number | null;
  /** The run stopped early after this many steps (default: it ran all of the config's steps). */
  stoppedAt?: number;
}

export function makeRunResult(config: RunConfigInput, options: ResultOptions = {}): RunResult {
  const parsed = parseRunConfig(config);
  const steps = options.stoppedAt ?? parsed.steps;
  const trainAccuracy = options.finalTrainAccuracy ?? 1;
  const testAccuracy = options.finalTestAccuracy ?? 0.995;
  const generalizationStep = options.generalizationStep === undefined ? steps : options.generalizationStep;
  const point = (step: number, train: number, test: number) => ({ step, trainLoss: 1 - train + 0.01, trainAccuracy: train, testLoss: 1 - test + 0.02, testAccuracy: test, weightNorm: 10, embeddingNorm: 4, otherNorm: 9 });
  const curves = [point(0, 0.05, 0.04), point(Math.floor(steps / 2), Math.min(trainAccuracy, 0.995), 0.3), point(steps, trainAccuracy, testAccuracy)];
  const memorizationStep = Math.floor(steps / 2);
  const backend = options.backend ?? "wasm-simd";
  return runResultSchema.parse({
    config: parsed,
    curves,
    summary: {
      memorizationStep,
      generalizationStep,
      grokkingDelay: generalizationStep === null ? null : generalizationStep - memorizationStep,
      stepsRun: steps,
      stoppedEarly: options.stoppedAt !== undefined,
      final: curves[curves.length - 1],
      paramsHash: options.paramsHash ?? hashOf("A"),
      parameterCount: planRun(parsed).parameterCount,
      stepsPerSecond: 500,
      wallSeconds: 1.5,
    },
    meta: { engineVersion: "0.1.0", backend, build: backend === "wasm-simd" ? "simd" : null, threads: 1 },
  });
}

/** A submitResultSchema body. */
export function submission(config: RunConfigInput, options: ResultOptions = {}) {
  return { result: makeRunResult(config, options), timings: { wallSeconds: 2 } };
}
