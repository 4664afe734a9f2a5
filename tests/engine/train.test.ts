import { describe, expect, it } from "vitest";
import { runResultSchema } from "../../src/config/run-result.js";
import { RunConfigError } from "../../src/config/run-config.js";
import { train } from "../../src/node.js";
import type { Progress } from "../../src/engine/train.js";
import { smallMlpConfig } from "../support/configs.js";

const small = (overrides: Record<string, unknown> = {}) => ({ ...smallMlpConfig({ seed: 7 }), ...overrides });

describe("train", () => {
  it("returns curves at step 0, every evalInterval and the end, a summary and a result the shared schema accepts", async () => {
    const result = await train(small());
    expect(result.curves.map((p) => p.step)).toEqual([0, 10, 20, 30, 40]);
    expect(result.summary.stepsRun).toBe(40);
    expect(result.summary.paramsHash).toMatch(/^[0-9a-f]{64}$/);
    expect(result.meta).toMatchObject({ backend: "wasm-simd", build: "simd", threads: 1 });
    expect(() => runResultSchema.parse(result)).not.toThrow();
    expect(result.curves.at(-1)!.trainLoss).toBeLessThan(result.curves[0].trainLoss);
  });

  it("is reproducible: the same config gives the same paramsHash and curves; another seed does not", async () => {
    const [a, b, c] = await Promise.all([train(small()), train(small()), train(small({ seed: 8 }))]);
    expect(b.summary.paramsHash).toBe(a.summary.paramsHash);
    expect(b.curves).toEqual(a.curves);
    expect(c.summary.paramsHash).not.toBe(a.summary.paramsHash);
  });

  it.each([
    ["full batch, AdamW", {}],
    ["mini-batches of 50, SGD with momentum and a norm constraint", { batchSize: 50, optimizer: { kind: "sgd", lr: 0.05, momentum: 0.9 }, constrainNorm: 20 }],
    ["warm-up and a separate embedding group", { optimizer: { kind: "adamw", lr: 3e-3, warmupSteps: 15, weightDecay: 1, embedding: { lr: 1e-3, weightDecay: 0 } } }],
  ])("resumes from a checkpoint bit-exactly: %s", async (_, overrides) => {
    const config = small(overrides);
    const straight = await train(config);
    let saved: Uint8Array | undefined;
    const first = await train(config, { stopAtStep: 17, onCheckpoint: (bytes) => (saved = bytes) });
    expect(first.summary.stepsRun).toBe(17);
    expect(saved).toBeInstanceOf(Uint8Array);
    const resumed = await train(undefined, { resumeFrom: saved });
    expect(resumed.summary.paramsHash).toBe(straight.summary.paramsHash);
    expect(resumed.curves).toEqual(straight.curves);
  });

  it("holds the total weight norm fixed under constrainNorm", async () => {
    const result = await train(small({ constrainNorm: 15 }));
    for (const p of result.curves) expect(p.weightNorm).toBeCloseTo(15, 4);
  });

  it("reports progress with every evaluation", async () => {
    const seen: Progress[] = [];
    await train(small(), { onProgress: (p) => seen.push(p) });
    expect(seen.filter((p) => p.point).map((p) => p.step)).toEqual([0, 10, 20, 30, 40]);
    expect(seen.every((p) => p.steps === 40)).toBe(true);
  });

  it("stops early once test accuracy reaches the threshold", async () => {
    // A small Doshi et al. quadratic MLP, which generalises within tens of steps.
    const std = 0.5 / Math.cbrt(2 * 100);
    const model = { kind: "mlp", input: "onehot", hidden: [100], activation: "square", bias: false, init: { layerStd: [std, std] } };
    const result = await train(small({ model, loss: "mse", optimizer: { kind: "adamw", lr: 1e-2, weightDecay: 5 }, steps: 2000, evalInterval: 5, earlyStopTestAccuracy: 0.9 }));
    expect(result.summary.stoppedEarly).toBe(true);
    expect(result.summary.stepsRun).toBeLessThan(2000);
    expect(result.summary.stepsRun % 5).toBe(0);
    expect(result.summary.final.testAccuracy).toBeGreaterThanOrEqual(0.9);
  });

  it("can be cancelled with an AbortSignal", async () => {
    const controller = new AbortController();
    const run = train(small({ steps: 100_000 }), { signal: controller.signal, progressIntervalMs: 5, onProgress: (p) => p.step > 20 && controller.abort() });
    await expect(run).rejects.toThrow(/abort/i);
  });

  it("says so when asked for threads it cannot use (the universal entry point runs on the calling thread)", async () => {
    const { train: trainHere } = await import("../../src/engine/train.js");
    const { loadBuild } = await import("../../src/wasm/node.js");
    const result = await trainHere(small({ steps: 10 }), { kernels: await loadBuild("simd"), threads: 3 });
    expect(result.meta).toMatchObject({ threads: 1, build: "simd" });
    expect(result.meta.note).toMatch(/asked for 3 threads; ran on 1 with the simd build/);
  });

  it("rejects a bad config naming the field", async () => {
    await expect(train(small({ steps: -1 }))).rejects.toThrow(RunConfigError);
    await expect(train(small({ model: { kind: "mlp", input: "embedding", hidden: [8] } }))).rejects.toThrow(/model\.embeddingDim: required/);
  });

  it("rejects checkpoint bytes that are not a checkpoint", async () => {
    await expect(train(undefined, { resumeFrom: new Uint8Array([1, 2, 3]) })).rejects.toThrow(/not a grokedge checkpoint/);
  });

  it("trains an MLP on a subset of real MNIST digits", async () => {
    const result = await train({
      version: 1,
      task: { kind: "mnist", trainSize: 300, testSize: 200 },
      model: { kind: "mlp", input: "pixels", hidden: [64], activation: "relu" },
      optimizer: { kind: "adamw", lr: 1e-3 },
      batchSize: 100,
      steps: 60,
      evalInterval: 30,
      seed: 1,
    });
    expect(result.summary.final.trainAccuracy).toBeGreaterThan(0.8);
    expect(result.summary.final.testAccuracy).toBeGreaterThan(0.6);
  });
});
