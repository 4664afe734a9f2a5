/**
 * Cross-engine reproducibility: the same run config gives the same paramsHash and the same curves
 * in headless Chromium (V8 in a cross-origin isolated page, kernels fetched over HTTP) as in Node.
 *
 * Needs the system Chromium at /usr/bin/chromium (`apt-get install -y chromium`; .ci/run does it).
 */
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunResult } from "../../src/config/run-result.js";
import { train } from "../../src/node.js";
import { smallMlpConfig } from "../support/configs.js";
import { openTestPage, type TestPage } from "../support/test-page.js";
import type {} from "./page-api.js";

const CONFIGS: [string, Record<string, unknown>][] = [
  [
    "embedding MLP, modular add, AdamW, full batch",
    smallMlpConfig({ p: 31, hidden: [48], steps: 50, seed: 11 }),
  ],
  [
    "one-hot square MLP, MSE, SGD with momentum and a norm constraint, mini-batches",
    {
      version: 1,
      task: { kind: "modular", p: 23, op: "x2+xy+y2", trainFraction: 0.6 },
      model: { kind: "mlp", input: "onehot", hidden: [64], activation: "square", bias: false },
      loss: "mse",
      optimizer: { kind: "sgd", lr: 0.05, momentum: 0.9, weightDecay: 1e-3 },
      constrainNorm: 12,
      batchSize: 64,
      steps: 60,
      evalInterval: 15,
      seed: 3,
    },
  ],
  [
    "2-layer transformer with LayerNorm, x² + y², warm-up and an embedding group, mini-batches",
    {
      version: 1,
      task: { kind: "modular", p: 17, op: "x2+y2", trainFraction: 0.5 },
      model: { kind: "transformer", layers: 2, dModel: 16, heads: 4, dMlp: 24, layerNorm: true },
      optimizer: { kind: "adamw", lr: 3e-3, weightDecay: 0.5, warmupSteps: 5, embedding: { lr: 1e-3 } },
      batchSize: 48,
      steps: 20,
      evalInterval: 10,
      seed: 4,
    },
  ],
  [
    "tanh MLP on real MNIST digits fetched as the binary asset",
    {
      version: 1,
      task: { kind: "mnist", trainSize: 200, testSize: 100 },
      model: { kind: "mlp", input: "pixels", hidden: [32, 16], activation: "tanh" },
      optimizer: { kind: "adamw", lr: 1e-3 },
      batchSize: 50,
      steps: 12,
      evalInterval: 6,
      seed: 9,
    },
  ],
  [
    "GELU embedding MLP, x³ + xy",
    { ...smallMlpConfig({ p: 19, hidden: [24], steps: 20, seed: 2 }), task: { kind: "modular", p: 19, op: "x3+xy", trainFraction: 0.5 }, model: { kind: "mlp", input: "embedding", embeddingDim: 8, hidden: [24], activation: "gelu" } },
  ],
];

let testPage: TestPage;
let page: Page;

beforeAll(async () => {
  testPage = await openTestPage();
  page = testPage.page;
}, 60_000);

afterAll(() => testPage?.close());

/** The parts of a result that must not depend on the engine (timings excluded). */
function reproducible(result: RunResult) {
  const { stepsPerSecond: _sps, wallSeconds: _wall, ...summary } = result.summary;
  return { config: result.config, curves: result.curves, summary, meta: result.meta };
}

describe("a run in headless Chromium", () => {
  it("is cross-origin isolated, so SharedArrayBuffer is there", async () => {
    const env = await page.evaluate(() => ({ crossOriginIsolated: self.crossOriginIsolated, sharedArrayBuffer: typeof SharedArrayBuffer }));
    expect(env).toEqual({ crossOriginIsolated: true, sharedArrayBuffer: "function" });
  });

  it.each(CONFIGS)("gives the same paramsHash and curves as in Node: %s", async (_, config) => {
    const t0 = performance.now();
    const inNode = await train(config);
    const t1 = performance.now();
    const inBrowser = await page.evaluate((c) => window.grokedgeTrain(c), config);
    const t2 = performance.now();
    console.info(`node ${Math.round(t1 - t0)} ms, chromium ${Math.round(t2 - t1)} ms, paramsHash ${inNode.summary.paramsHash}`);

    expect(inBrowser.meta).toMatchObject({ backend: "wasm-simd", build: "simd", threads: 1 });
    expect(inBrowser.summary.stepsRun).toBe(config.steps);
    expect(inBrowser.summary.paramsHash).toBe(inNode.summary.paramsHash);
    expect(inBrowser.curves).toEqual(inNode.curves);
    expect(reproducible(inBrowser)).toEqual(reproducible(inNode));
    // The run did something: the loss moved (a frozen run would match trivially).
    expect(inNode.curves.at(-1)!.trainLoss).not.toBe(inNode.curves[0].trainLoss);
  }, 60_000);
});
