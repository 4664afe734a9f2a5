/**
 * Threads in a real browser: training runs in a coordinator Web Worker (the page never blocks) with
 * a pool of Web Workers over one shared wasm memory, and gives the paramsHash of Node's single
 * thread. Without cross-origin isolation it falls back to one thread and says so.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { train } from "../../src/node.js";
import { openTestPage, type TestPage } from "../support/test-page.js";
import type {} from "./page-api.js";

const config = {
  version: 1,
  task: { kind: "modular", p: 31, op: "add", trainFraction: 0.5 },
  model: { kind: "transformer", layers: 1, dModel: 32, heads: 4, dMlp: 64 },
  optimizer: { kind: "adamw", lr: 3e-3, weightDecay: 1 },
  steps: 12,
  evalInterval: 4,
  seed: 5,
};

describe("threads in headless Chromium", () => {
  let isolated: TestPage;
  let plain: TestPage;
  beforeAll(async () => {
    isolated = await openTestPage();
    plain = await openTestPage({ isolated: false });
  }, 90_000);
  afterAll(async () => {
    await isolated?.close();
    await plain?.close();
  });

  it.each([2, 3])("a pool of %i threads gives Node's single-thread paramsHash and curves", async (threads) => {
    const inNode = await train(config);
    const inBrowser = await isolated.page.evaluate(([c, t]) => window.grokedgeTrainInBackground(c, t), [config, threads] as const);
    expect(inBrowser.meta).toMatchObject({ backend: "wasm-simd", build: "simd-threads", threads });
    expect(inBrowser.meta.note).toBeUndefined();
    expect(inBrowser.summary.paramsHash).toBe(inNode.summary.paramsHash);
    expect(inBrowser.curves).toEqual(inNode.curves);
  }, 60_000);

  it("an AbortSignal ends a background run at once, pool and all", async () => {
    const long = { ...config, steps: 100_000, evalInterval: 1000 };
    const t0 = performance.now();
    const outcome = await isolated.page.evaluate((c) => window.grokedgeAbortInBackground(c), long);
    expect(outcome).toBe("rejected: stopped by the volunteer");
    // 100k steps would take minutes; the abort must not wait for them.
    expect(performance.now() - t0).toBeLessThan(15_000);
  }, 30_000);

  it("a coordinator script that does not load rejects the run with an error naming it", async () => {
    const outcome = await isolated.page.evaluate((c) => window.grokedgeTrainInBackground(c, 2, "/no-such-coordinator.js").then(() => "finished", (e: Error) => e.message), config);
    expect(outcome).toMatch(/^coordinator worker http:\/\/.*\/no-such-coordinator\.js failed/);
  }, 30_000);

  it("without cross-origin isolation runs on one thread with the simd build, and says why", async () => {
    const env = await plain.page.evaluate(() => ({ isolated: self.crossOriginIsolated, sab: typeof SharedArrayBuffer }));
    expect(env).toEqual({ isolated: false, sab: "undefined" });
    const inNode = await train(config);
    const inBrowser = await plain.page.evaluate((c) => window.grokedgeTrainInBackground(c, 4), config);
    expect(inBrowser.meta).toMatchObject({ build: "simd", threads: 1 });
    expect(inBrowser.meta.note).toMatch(/asked for 4 threads; ran on 1 .*SharedArrayBuffer|cross-origin/);
    expect(inBrowser.summary.paramsHash).toBe(inNode.summary.paramsHash);
  }, 60_000);
});
