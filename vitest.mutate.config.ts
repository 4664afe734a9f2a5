/**
 * The tests Stryker runs against mutants (`npm run mutate`, stryker.config.mjs): only fast unit tests
 * of the mutated code. Stryker runs a mutant only against the tests that executed it (perTest
 * coverage), and the runner's `related` mode narrows each run further to the test files that import
 * the mutated file, so listing a test here costs nothing for the files it does not import.
 *
 * Left out on purpose: tests/browser (Chromium), tests/worker except the pure quorum rule (they start
 * `wrangler dev`), the Doshi acceptance run (three 100-step trainings, ~20 s) and the CLI (it trains
 * through the same code as tests/engine/train.test.ts and checks output only).
 */
import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: [
      "tests/ops/**/*.test.ts", // op plans, gemm plan, thread pool (control block)
      "tests/assembly/f32-gemm/*.test.ts", // gemm() and its plan against float64 references
      "tests/wasm/*.test.ts",
      "tests/engine/*.test.ts", // optimizer, loss, checkpoint, training run, gradient checks, tfjs oracles
      "tests/worker/validation-decision.test.ts", // decide() and withinTolerance(), no wrangler
    ],
    exclude: ["tests/engine/acceptance-*.test.ts", "tests/browser/**", "**/node_modules/**"],
    testTimeout: 60_000,
  },
});
