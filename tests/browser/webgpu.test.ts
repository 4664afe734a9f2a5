/**
 * The GPU path in real Chromium: grokedge/webgpu (TensorFlow.js on WebGPU) on SwiftShader's adapter
 * (WebGPU on the CPU: correctness, not speed). The probe finds the adapter, a tiny unit trains and
 * its result is tagged tfjs-webgpu; without an adapter the probe says so and training refuses. Then
 * the result goes through the API (real `wrangler dev`) as a GPU volunteer reports it: leased with
 * `?backends=tfjs-webgpu` from a sweep with `gpuReplicas: 1`, stored with its backend and never
 * counted toward the quorum — the unit stays pending until a wasm result validates it, and the GPU
 * result is then judged approximately against that one.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runResultSchema, type RunResult } from "../../src/config/run-result.js";
import { train } from "../../src/node.js";
import { createSweep, unitsOf, type Volunteer } from "../support/sweep-fixtures.js";
import { startWorker, type WorkerServer } from "../support/worker-server.js";
import type { PageRun } from "./webgpu-page-api.js";
import { openWebGpuPage, type WebGpuPage } from "./webgpu-page.js";

/** A tiny unit: an embedding MLP on a + b mod 13, 20 full-batch steps. */
const TINY = { version: 1, task: { kind: "modular", p: 13, op: "add", trainFraction: 0.6 }, model: { kind: "mlp", input: "embedding", embeddingDim: 8, hidden: [16] }, optimizer: { kind: "adamw", lr: 1e-2, weightDecay: 1 }, steps: 20, evalInterval: 10, seed: 3 };

/**
 * SwiftShader's f32 against the engine's, relative: at step 0 the same parameters, then 20 steps
 * that drift apart by rounding only (measured ≤ 5.1e-8 over the whole run; bounds 1e-5 at the start,
 * 1e-4 after), with equal accuracies.
 */
const START_TOL = 1e-5;
const CURVE_TOL = 1e-4;

let gpu: WebGpuPage;

beforeAll(async () => {
  gpu = await openWebGpuPage({ webgpu: true });
}, 60_000);
afterAll(() => gpu?.close());

/** Relative difference; a diverged value (null) matches only null. */
const relative = (ours: number | null, ref: number | null) => (ours === null || ref === null ? (ours === ref ? 0 : Infinity) : Math.abs(ours - ref) / Math.max(Math.abs(ref), 1e-12));

function resultOf(run: PageRun): RunResult {
  if ("error" in run) throw new Error(`the run in the page failed: ${run.error}`);
  return run.result;
}

describe("grokedge/webgpu in Chromium with SwiftShader", () => {
  it("finds the SwiftShader adapter", async () => {
    expect(await gpu.page.evaluate(() => window.grokedgeWebGpu.probe())).toEqual({ adapter: expect.stringMatching(/swiftshader/i) });
  });

  it("trains a tiny unit and reports it with its backend, tracking the engine's run", async () => {
    const run = await gpu.page.evaluate((c) => window.grokedgeWebGpu.train(c), TINY);
    const result = resultOf(run);
    const engine = await train(TINY);

    expect(runResultSchema.safeParse(result).error).toBeUndefined();
    expect(result.meta).toEqual({ engineVersion: engine.meta.engineVersion, backend: "tfjs-webgpu", build: null, threads: 1, note: expect.stringMatching(/^WebGPU adapter: .*swiftshader/i) });
    expect(result.curves.map((p) => p.step)).toEqual([0, 10, 20]);
    result.curves.forEach((p, i) => {
      const tol = i === 0 ? START_TOL : CURVE_TOL;
      for (const key of ["trainLoss", "testLoss", "weightNorm", "embeddingNorm", "otherNorm"] as const) {
        expect(relative(p[key], engine.curves[i][key]), `${key} at step ${p.step}: ${p[key]} vs the engine's ${engine.curves[i][key]}`).toBeLessThanOrEqual(tol);
      }
      expect([p.trainAccuracy, p.testAccuracy]).toEqual([engine.curves[i].trainAccuracy, engine.curves[i].testAccuracy]);
    });
    // It trained (a frozen run would match trivially).
    expect(result.summary.final.trainLoss).toBeLessThan(result.curves[0].trainLoss! * 0.9);
    expect(run.progress.filter((p) => p.point).map((p) => p.point)).toEqual(result.curves);
    expect(gpu.errors).toEqual([]);
  }, 120_000);

  it("stops when aborted, with the signal's reason", async () => {
    const run = await gpu.page.evaluate((c) => window.grokedgeWebGpu.train(c, { abortAtStep: 1 }), { ...TINY, steps: 5000, evalInterval: 1000 });
    expect(run).toMatchObject({ error: "stopped by the volunteer" });
    expect(run.progress.at(-1)!.step).toBeLessThan(1000);
  }, 120_000);
});

describe("grokedge/webgpu in Chromium without a WebGPU adapter", () => {
  it("probes null, and training refuses, pointing at the wasm engine", async () => {
    const plain = await openWebGpuPage({ webgpu: false });
    try {
      expect(await plain.page.evaluate(() => window.grokedgeWebGpu.probe())).toBeNull();
      const run = await plain.page.evaluate((c) => window.grokedgeWebGpu.train(c), TINY);
      expect(run).toMatchObject({ error: expect.stringMatching(/^WebGPU is not available in this browser .*train\(\) or trainInBackground\(\)/) });
    } finally {
      await plain.close();
    }
  }, 60_000);
});

describe("a GPU result through the API", () => {
  let api: WorkerServer;
  beforeAll(async () => {
    api = await startWorker();
  }, 90_000);
  afterAll(() => api?.close());

  const register = async (webgpu: boolean): Promise<Volunteer> => {
    const { status, body } = await api.request("POST", "/api/clients", { body: { simd: true, threads: true, cores: 2, webgpu, userAgent: "webgpu.test" } });
    expect(status).toBe(201);
    return body;
  };
  const submission = (result: RunResult) => ({ result, timings: { wallSeconds: result.summary.wallSeconds } });

  it("leases to the GPU, stores the result as tfjs-webgpu, counts it toward no quorum, and judges it once a wasm result validates the unit", async () => {
    const sweepId = await createSweep(api, { name: "webgpu", baseConfig: TINY, seeds: [0], quorum: 1, gpuReplicas: 1 });
    const [gpuVolunteer, cpuVolunteer] = [await register(true), await register(false)];

    const gpuLease = await api.request("POST", `/api/leases?sweep=${sweepId}&backends=tfjs-webgpu`, { token: gpuVolunteer.token });
    expect(gpuLease.status).toBe(201);
    expect(gpuLease.body.lease.backend).toBe("tfjs-webgpu");
    const gpuResult = resultOf(await gpu.page.evaluate((c) => window.grokedgeWebGpu.train(c), gpuLease.body.lease.config));
    expect(gpuResult.meta.backend).toBe("tfjs-webgpu");

    const postedGpu = await api.request("POST", `/api/leases/${gpuLease.body.lease.id}/result`, { token: gpuVolunteer.token, body: submission(gpuResult) });
    expect(postedGpu.status).toBe(201);
    // Quorum 1, yet the unit is not validated: the GPU result is no replica.
    expect(postedGpu.body.result).toMatchObject({ status: "pending", unit: { id: gpuLease.body.lease.unitId, status: "pending" } });
    expect((await unitsOf(api, sweepId)).map((u) => u.status)).toEqual(["pending"]);
    // gpuReplicas 1 is met: no more GPU work, for this or another GPU volunteer.
    expect((await api.request("POST", `/api/leases?sweep=${sweepId}&backends=tfjs-webgpu`, { token: (await register(true)).token })).status).toBe(204);

    const cpuLease = await api.request("POST", `/api/leases?sweep=${sweepId}`, { token: cpuVolunteer.token });
    expect(cpuLease.status).toBe(201);
    expect(cpuLease.body.lease).toMatchObject({ unitId: gpuLease.body.lease.unitId, backend: "wasm-simd" });
    // The lease's backend is binding: a GPU result on a wasm-simd lease is refused, naming the field.
    const mismatched = await api.request("POST", `/api/leases/${cpuLease.body.lease.id}/result`, { token: cpuVolunteer.token, body: submission(gpuResult) });
    expect(mismatched.status).toBe(400);
    expect(JSON.stringify(mismatched.body)).toContain("result.meta.backend");

    const wasmResult = await train(cpuLease.body.lease.config);
    const postedWasm = await api.request("POST", `/api/leases/${cpuLease.body.lease.id}/result`, { token: cpuVolunteer.token, body: submission(wasmResult) });
    expect(postedWasm.status).toBe(201);
    expect(postedWasm.body.result).toMatchObject({ status: "valid", unit: { status: "validated" } });

    // The GPU run tracks the validated one (accuracies equal, as the previous test holds), so it is approximate-accepted.
    const runs = await api.request("GET", `/api/sweeps/${sweepId}/runs?include=approximate`);
    expect(runs.status).toBe(200);
    expect(runs.body.runs.map((r: { backend: string; status: string; paramsHash: string }) => [r.backend, r.status, r.paramsHash])).toEqual([
      ["wasm-simd", "valid", wasmResult.summary.paramsHash],
      ["tfjs-webgpu", "approximate-accepted", gpuResult.summary.paramsHash],
    ]);
    const mine = await api.request("GET", "/api/clients/me/results", { token: gpuVolunteer.token });
    expect(mine.body.results).toEqual([expect.objectContaining({ sweepId, backend: "tfjs-webgpu", status: "approximate-accepted", unitStatus: "validated" })]);
  }, 180_000);
});
