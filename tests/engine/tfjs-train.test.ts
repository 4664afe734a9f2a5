/**
 * The TensorFlow.js training run (src/tfjs/train.ts: the GPU path's run, here on tfjs-backend-wasm in
 * Node) against the engine's run of the same config: the same start (split, parameters: bitwise),
 * the same mini-batches (the engine's shuffled order), evaluations at the same steps with the same
 * definitions, a result of the engine's schema and summary, tagged with its backend; progress and
 * abort as train() has them, and no tensor or wasm memory left behind.
 *
 * Tolerances: at step 0 both evaluate the same parameters, f32 on tfjs against f32 with f64 sums in
 * the engine, so losses and norms agree to a few f32 ulps (measured ≤ 4.1e-7 relative; bound 1e-5)
 * and accuracies exactly. Along the run the two trajectories drift apart by rounding only: measured
 * ≤ 7.3e-4 relative (the full-batch run's train loss once it is near 0 after memorising; ≤ 6e-7
 * elsewhere; bound 5e-3) and equal accuracies at every evaluation (bound 0.02).
 */
import * as tf from "@tensorflow/tfjs";
// Registers tfjs-backend-wasm with the tfjs-core that @tensorflow/tfjs uses.
import "@tensorflow/tfjs-backend-wasm";
import { afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { parseRunConfig } from "../../src/config/run-config.js";
import { resultDigest } from "../../src/config/result-digest.js";
import { runResultSchema, type CurvePoint } from "../../src/config/run-result.js";
import { decodeCheckpoint } from "../../src/engine/checkpoint.js";
import { splitSizes } from "../../src/engine/tasks/dataset.js";
import { TrainingRun } from "../../src/engine/training-run.js";
import type { Progress } from "../../src/engine/train.js";
import { train } from "../../src/node.js";
import { EngineBatchOrder, MAX_QUEUED_STEPS, trainWithTfjs } from "../../src/tfjs/index.js";
import type { KernelInstance } from "../../src/wasm/loader.js";
import { smallMlpConfig } from "../support/configs.js";
import { kernelsFor } from "../support/kernels.js";

const START_TOL = 1e-5;
const CURVE_TOL = 5e-3;
const CURVE_ACCURACY_TOL = 0.02;

/** A full-batch MLP and a mini-batch one that learn something in 300 steps. */
const FULL_BATCH = { ...smallMlpConfig({ p: 23, hidden: [64], steps: 300, evalInterval: 50, seed: 1 }), optimizer: { kind: "adamw", lr: 1e-2, weightDecay: 1 } };
const MINI_BATCH = { ...smallMlpConfig({ p: 23, hidden: [64], steps: 300, evalInterval: 50, seed: 2 }), batchSize: 64 };
/** A transformer with LayerNorm under the norm constraint (computed on the device here), mini-batches. */
const TRANSFORMER = {
  version: 1,
  task: { kind: "modular", p: 13, op: "x2+y2", trainFraction: 0.6 },
  model: { kind: "transformer", layers: 1, dModel: 16, heads: 2, dMlp: 32, layerNorm: true },
  optimizer: { kind: "adamw", lr: 3e-3, weightDecay: 0.5, warmupSteps: 5 },
  constrainNorm: 15,
  batchSize: 40,
  steps: 60,
  evalInterval: 20,
  seed: 5,
};

let kernels: KernelInstance;

beforeAll(async () => {
  tf.env().set("WASM_HAS_MULTITHREAD_SUPPORT", false);
  if (!(await tf.setBackend("wasm"))) throw new Error("tfjs: the wasm backend did not initialise");
  await tf.ready();
  kernels = await kernelsFor("simd");
});

/** Runs leave nothing behind: no tensor, no wasm memory (the engine's starting point is released). */
let before: { tensors: number; arena: number };
const resources = () => ({ tensors: tf.memory().numTensors, arena: kernels.arena.mark() });
beforeEach(() => void (before = resources()));
afterEach(() => expect(resources()).toEqual(before));
const tfjsTrain = (config: unknown, options: Omit<Parameters<typeof trainWithTfjs>[2], "kernels"> = {}) => trainWithTfjs(tf, config, { kernels, ...options });

/** Relative difference; a diverged value (null) matches only null. */
const relative = (ours: number | null, ref: number | null) => (ours === null || ref === null ? (ours === ref ? 0 : Infinity) : Math.abs(ours - ref) / Math.max(Math.abs(ref), 1e-12));

/** Every metric of `ours` within `tol` (relative) of `ref`, accuracies within `accuracyTol` (absolute). */
function expectClose(ours: CurvePoint, ref: CurvePoint, tol: number, accuracyTol: number) {
  expect(ours.step).toBe(ref.step);
  for (const key of ["trainLoss", "testLoss", "weightNorm", "embeddingNorm", "otherNorm"] as const) {
    expect(relative(ours[key], ref[key]), `${key} at step ${ref.step}: ${ours[key]} vs the engine's ${ref[key]}`).toBeLessThanOrEqual(tol);
  }
  for (const key of ["trainAccuracy", "testAccuracy"] as const) {
    expect(Math.abs(ours[key] - ref[key]), `${key} at step ${ref.step}`).toBeLessThanOrEqual(accuracyTol);
  }
}

describe("a tfjs training run", () => {
  it.each([
    ["full batch", FULL_BATCH],
    ["mini-batches", MINI_BATCH],
    ["transformer, norm constraint", TRANSFORMER],
  ])("reports a result of the engine's schema that tracks the engine's run (%s)", async (_, config) => {
    const engine = await train(config);
    const ours = await tfjsTrain(config);

    expect(runResultSchema.safeParse(ours).error).toBeUndefined();
    expect(ours.meta).toEqual({ engineVersion: engine.meta.engineVersion, backend: "tfjs-wasm", build: null, threads: 1 });
    expect(ours.config).toEqual(engine.config);
    expect(ours.curves.map((p) => p.step)).toEqual(engine.curves.map((p) => p.step));
    expectClose(ours.curves[0], engine.curves[0], START_TOL, 0);
    ours.curves.forEach((p, i) => expectClose(p, engine.curves[i], CURVE_TOL, CURVE_ACCURACY_TOL));
    // The run learned (a frozen run would match trivially), and the summary is the engine's reading of the curves.
    expect(ours.summary.final.trainLoss).toBeLessThan(ours.curves[0].trainLoss! * 0.9);
    expect(ours.summary).toMatchObject({ final: ours.curves.at(-1), stepsRun: engine.summary.stepsRun, parameterCount: engine.summary.parameterCount, stoppedEarly: false });
    expect(ours.summary.memorizationStep).toBe(engine.summary.memorizationStep);
    expect(ours.summary.stepsPerSecond).toBeGreaterThan(0);
    expect(ours.summary.wallSeconds).toBeGreaterThan(0);
    // The norm constraint holds at every evaluation (its factor computed on the device, in f32).
    if ("constrainNorm" in config) ours.curves.forEach((p) => expect(relative(p.weightNorm, config.constrainNorm), `weight norm at step ${p.step}`).toBeLessThan(1e-5));
    // Not the engine's bits: the hash differs once the parameters moved.
    expect(ours.summary.paramsHash).not.toBe(engine.summary.paramsHash);
    expect(ours.summary.resultDigest).toBe(await resultDigest(ours.summary.paramsHash, ours.curves));
  }, 60_000);

  it("records a diverged run's non-finite losses and norms as null, in a result the schema accepts", async () => {
    const config = { ...FULL_BATCH, steps: 20, evalInterval: 10, optimizer: { kind: "sgd", lr: 1e6, momentum: 0.9 } };
    const ours = await tfjsTrain(config);
    expect(runResultSchema.safeParse(ours).error).toBeUndefined();
    expect(ours.curves[0].trainLoss).toBeGreaterThan(0);
    expect(ours.summary.final).toMatchObject({ trainLoss: null, testLoss: null, weightNorm: null });
    expect(ours.summary.resultDigest).toBe(await resultDigest(ours.summary.paramsHash, JSON.parse(JSON.stringify(ours.curves))));
  }, 60_000);

  it.each([
    ["full batch", { ...FULL_BATCH, model: { ...FULL_BATCH.model, bias: false } }],
    ["mini-batches, initScale", { ...MINI_BATCH, initScale: 0.7, model: { ...MINI_BATCH.model, bias: false } }],
  ])("starts from the engine's parameters, bit for bit, and hashes them as the engine (%s)", async (_, base) => {
    // SGD with a learning rate that moves no f32 parameter (all drawn far from 0: no biases): the
    // final parameters are the initial ones, so equal hashes mean equal starts and equal hashing.
    const config = { ...base, optimizer: { kind: "sgd", lr: 1e-30 }, steps: 3, evalInterval: 3 };
    const engine = await train(config);
    const ours = await tfjsTrain(config);
    expect(ours.summary.paramsHash).toBe(engine.summary.paramsHash);
    expectClose(ours.curves[0], engine.curves[0], START_TOL, 0);
  }, 60_000);

  it("takes the engine's mini-batches: the same order, cursor and stream state after every step, over several epochs", async () => {
    const config = parseRunConfig({ ...smallMlpConfig({ p: 23, steps: 7, evalInterval: 7 }), batchSize: 100 });
    // 264 training rows in batches of 100: each epoch drops a tail of 64, so a new permutation every 2 steps.
    expect(splitSizes(config.task).train).toBe(264);
    const run = TrainingRun.create(config, { kernels });
    try {
      const order = new EngineBatchOrder(decodeCheckpoint(run.checkpoint()).header.rng, 264, 100);
      for (let step = 1; step <= 7; step++) {
        const batch = order.next();
        run.trainStep();
        const { header } = decodeCheckpoint(run.checkpoint());
        expect(order.state, `after step ${step}`).toEqual({ order: header.order, cursor: header.cursor, rng: header.rng });
        expect(batch).toEqual(header.order.slice(header.cursor - 100, header.cursor));
      }
    } finally {
      run.dispose();
    }
  });

  it("reports progress after every evaluation and in between, with the steps so far and a training rate", async () => {
    const reports: Progress[] = [];
    const config = { ...MINI_BATCH, steps: 40, evalInterval: 20 };
    const result = await tfjsTrain(config, { onProgress: (p) => reports.push(structuredClone(p)), progressIntervalMs: 0 });
    expect(reports.filter((p) => p.point).map((p) => p.point)).toEqual(result.curves);
    expect(reports.filter((p) => p.point).map((p) => p.step)).toEqual([0, 20, 40]);
    // progressIntervalMs 0: a report after every step between evaluations too.
    expect(reports.filter((p) => !p.point).map((p) => p.step)).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
    expect(reports.every((p) => p.steps === 40)).toBe(true);
    expect(reports.at(-1)!.stepsPerSecond).toBeGreaterThan(0);
  }, 60_000);

  it("stops at an abort within MAX_QUEUED_STEPS steps, rejecting with the signal's reason", async () => {
    const abort = new AbortController();
    const reports: Progress[] = [];
    const config = { ...MINI_BATCH, steps: 5000, evalInterval: 1000 };
    const run = tfjsTrain(config, {
      signal: abort.signal,
      onProgress: (p) => {
        reports.push(p);
        if (p.step >= 10) abort.abort(new Error("stopped by the volunteer"));
      },
      progressIntervalMs: 0,
    });
    await expect(run).rejects.toThrow("stopped by the volunteer");
    expect(reports.at(-1)!.step).toBeLessThan(10 + MAX_QUEUED_STEPS);
  }, 60_000);

  it("stops early as the engine does once test accuracy reaches earlyStopTestAccuracy", async () => {
    const config = { ...FULL_BATCH, earlyStopTestAccuracy: 0.01 };
    const engine = await train(config);
    const ours = await tfjsTrain(config);
    expect(engine.summary).toMatchObject({ stoppedEarly: true, stepsRun: 0 });
    expect(ours.summary).toMatchObject({ stoppedEarly: true, stepsRun: 0 });
    expect(ours.curves.map((p) => p.step)).toEqual([0]);
  }, 60_000);

  it("refuses a tfjs backend its result could not be tagged with, naming it", async () => {
    await tf.setBackend("cpu");
    try {
      await expect(tfjsTrain(FULL_BATCH)).rejects.toThrow('tfjs backend "cpu" cannot be reported: a tfjs run\'s result is tagged tfjs-webgpu or tfjs-wasm');
    } finally {
      await tf.setBackend("wasm");
    }
  });

  it("names a bad config field before doing anything", async () => {
    await expect(tfjsTrain({ ...FULL_BATCH, steps: 0 })).rejects.toThrow(/steps: Too small/);
  });
});
