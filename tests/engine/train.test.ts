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
    expect(result.curves.at(-1)!.trainLoss).toBeLessThan(result.curves[0].trainLoss!);
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
    ["a 2-layer transformer with LayerNorm on mini-batches", { model: { kind: "transformer", layers: 2, dModel: 16, heads: 2, dMlp: 32, layerNorm: true }, batchSize: 64 }],
    ["an MNIST MLP with SGD", { task: { kind: "mnist", trainSize: 200, testSize: 100 }, model: { kind: "mlp", input: "pixels", hidden: [32] }, optimizer: { kind: "sgd", lr: 0.05, momentum: 0.9 }, batchSize: 50 }],
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
    // Throughput so far: none before the first step, then positive.
    expect(seen[0].stepsPerSecond).toBe(0);
    expect(seen.filter((p) => p.step > 0).every((p) => p.stepsPerSecond > 0)).toBe(true);
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

  it("grokedge/node says so when given both threads and a kernel instance", async () => {
    const { loadBuild } = await import("../../src/hosts/node/builds.js");
    const result = await train(small({ steps: 10 }), { kernels: await loadBuild("simd"), threads: 2 });
    expect(result.meta).toMatchObject({ threads: 1, build: "simd" });
    expect(result.meta.note).toBe("asked for 2 threads; ran on 1: a kernel instance was passed (pass threads without kernels for a pool)");
  });

  it("can be cancelled on a thread pool, which closes", async () => {
    const controller = new AbortController();
    const run = train(small({ steps: 100_000, model: { kind: "mlp", input: "embedding", embeddingDim: 64, hidden: [256] } }), { threads: 2, signal: controller.signal, progressIntervalMs: 5, onProgress: (p) => p.step > 5 && controller.abort() });
    await expect(run).rejects.toThrow(/abort/i);
  });

  it("says so when asked for threads it cannot use (the universal entry point runs on the calling thread)", async () => {
    const { train: trainHere } = await import("../../src/engine/train.js");
    const { loadBuild } = await import("../../src/hosts/node/builds.js");
    const result = await trainHere(small({ steps: 10 }), { kernels: await loadBuild("simd"), threads: 3 });
    expect(result.meta).toMatchObject({ threads: 1, build: "simd" });
    expect(result.meta.note).toMatch(/asked for 3 threads; ran on 1 with the simd build/);
  });

  it("rejects a bad config naming the field", async () => {
    await expect(train(small({ steps: -1 }))).rejects.toThrow(RunConfigError);
    await expect(train(small({ model: { kind: "mlp", input: "embedding", hidden: [8] } }))).rejects.toThrow(/model\.embeddingDim: required/);
  });

  it("leaves a reused kernel instance's arena as it was when a run cannot be set up", async () => {
    const { loadBuild } = await import("../../src/hosts/node/builds.js");
    const kernels = await loadBuild("simd");
    const before = kernels.arena.used;
    // Valid, but far too big for a wasm memory: the model's allocations fail partway.
    const huge = small({ task: { kind: "modular", p: 257, op: "add", trainFraction: 0.9 }, model: { kind: "mlp", input: "onehot", hidden: [100_000] } });
    await expect(train(huge, { kernels })).rejects.toThrow(/arena: cannot grow wasm memory/);
    expect(kernels.arena.used).toBe(before);
    await expect(train(small(), { kernels })).resolves.toMatchObject({ summary: { stepsRun: 40 } });
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

describe("checkpoints", () => {
  async function checkpointOf(config: object, stopAtStep: number): Promise<Uint8Array> {
    let saved: Uint8Array | undefined;
    await train(config, { stopAtStep, onCheckpoint: (bytes) => (saved = bytes) });
    return saved!;
  }

  /** The checkpoint with its JSON header edited. */
  function withHeader(bytes: Uint8Array, edit: (header: Record<string, unknown>) => void): Uint8Array {
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const length = view.getUint32(8, true);
    const header = JSON.parse(new TextDecoder().decode(bytes.subarray(12, 12 + length)));
    edit(header);
    const json = new TextEncoder().encode(JSON.stringify(header));
    const start = (12 + length + 3) & ~3, newStart = (12 + json.length + 3) & ~3;
    const out = new Uint8Array(newStart + bytes.length - start);
    out.set(bytes.subarray(0, 8));
    new DataView(out.buffer).setUint32(8, json.length, true);
    out.set(json, 12);
    out.set(bytes.subarray(start), newStart);
    return out;
  }

  it("resume only with the engine version that wrote them, and with a sound header", async () => {
    const config = small({ batchSize: 50 });
    const bytes = await checkpointOf(config, 7);
    await expect(train(undefined, { resumeFrom: withHeader(bytes, (h) => (h.engineVersion = "0.0.1")) })).rejects.toThrow(/written by engine 0\.0\.1, this is .*would not reproduce/);
    await expect(train(undefined, { resumeFrom: withHeader(bytes, (h) => (h.step = -3)) })).rejects.toThrow(/not a grokedge checkpoint: header step: Too small/);
    await expect(train(undefined, { resumeFrom: withHeader(bytes, (h) => (h.cursor = 10_000)) })).rejects.toThrow(/cursor: 10000 is past/);
    await expect(train(undefined, { resumeFrom: withHeader(bytes, (h) => ((h.order as number[])[0] = 99_999)) })).rejects.toThrow(/batch order names rows past/);
    await expect(train(undefined, { resumeFrom: withHeader(bytes, () => {}) })).resolves.toMatchObject({ summary: { stepsRun: 40 } });
  });
});
