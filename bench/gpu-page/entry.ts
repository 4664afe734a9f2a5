/**
 * The GPU benchmark page (bundled by bench/gpu.ts): each reference model trained on tfjs-webgpu on
 * this page's main thread (the run grokedge/webgpu trains: src/tfjs, from the engine's starting
 * point) and on the wasm engine in this page's worker, one thread and a pool, in interleaved rounds
 * of timed bursts. Returns the raw per-round means; Node computes the medians and spreads.
 */
import * as tf from "@tensorflow/tfjs-core";
// tfjs-core's module entry registers no gradients (the @tensorflow/tfjs bundle does); training needs them.
import "@tensorflow/tfjs-core/dist/register_all_gradients.js";
import "@tensorflow/tfjs-backend-webgpu";
import { wrap } from "comlink";
import { loadMnist, type MnistData } from "../../src/engine/tasks/mnist.js";
import { createTfjsRunLikeEngine, MAX_QUEUED_STEPS, type TfjsRun } from "../../src/tfjs/index.js";
import { loadKernels } from "../../src/wasm/loader.js";
import { probeWebGpu } from "../../src/webgpu.js";
import type { BenchReply, BenchRequest, GpuBenchPage, ModelSamples } from "./protocol.js";
import type { WasmBench } from "./wasm-worker.js";

/**
 * One GPU burst: steps are queued as the training run queues them (the device is waited for every
 * MAX_QUEUED_STEPS steps), at least `minSteps` and until `ms` have passed at a wait. Returns the mean
 * ms per step and the loss of the last step.
 */
async function gpuBurst(run: TfjsRun, ms: number, minSteps: number): Promise<{ ms: number; loss: number }> {
  const queued: tf.Scalar[] = [];
  let steps = 0;
  let loss = NaN;
  const start = performance.now();
  for (;;) {
    queued.push(run.enqueueStep());
    steps++;
    const due = steps >= minSteps && performance.now() - start >= ms;
    if (queued.length >= MAX_QUEUED_STEPS || due || steps === minSteps) {
      loss = (await queued[queued.length - 1].data())[0];
      tf.dispose(queued.splice(0));
      if (steps >= minSteps && performance.now() - start >= ms) return { ms: (performance.now() - start) / steps, loss };
    }
  }
}

const bench: GpuBenchPage = {
  async probe() {
    const support = await probeWebGpu();
    return support && { adapter: support.adapter, software: /swiftshader|fallback adapter/i.test(support.adapter) };
  },
  async run(request: BenchRequest): Promise<BenchReply> {
    const support = await probeWebGpu();
    if (!support) throw new Error("no WebGPU adapter on this page");
    if (!(await tf.setBackend("webgpu"))) throw new Error("tfjs: the WebGPU backend did not initialise");
    await tf.ready();
    const kernels = await loadKernels(new URL("/build/simd.wasm", location.href));
    const worker = new Worker(new URL("/wasm-worker.js", location.href), { type: "module" });
    const wasm = wrap<WasmBench>(worker);
    let mnist: MnistData | undefined;
    const reply: BenchReply = { adapter: support.adapter, crossOriginIsolated: self.crossOriginIsolated, models: [] };
    try {
      await wasm.start(request.threads);
      for (const model of request.models) {
        const isMnist = (model.config.task as { kind: string }).kind === "mnist";
        if (isMnist) mnist ??= await loadMnist(new URL("/build/mnist.bin", location.href));
        let gpu: TfjsRun | undefined;
        try {
          gpu = createTfjsRunLikeEngine(tf, model.config, { kernels, mnist: isMnist ? mnist : undefined }).run;
          const { parameterCount } = await wasm.prepare(model.config, model.warmupSteps);
          await gpuBurst(gpu, 0, model.warmupSteps);
          const samples: ModelSamples = { name: model.name, parameterCount, rowsPerStep: gpu.rows, gpuMs: [], wasmMs: [], poolMs: [], gpuLoss: [NaN, NaN], gpuSteps: 0 };
          for (let round = 0; round < request.rounds; round++) {
            const g = await gpuBurst(gpu, request.burstMs, model.minSteps);
            samples.gpuMs.push(g.ms);
            if (round === 0) samples.gpuLoss[0] = g.loss;
            samples.gpuLoss[1] = g.loss;
            samples.wasmMs.push(await wasm.burst(false, request.burstMs, model.minSteps));
            samples.poolMs.push(await wasm.burst(true, request.burstMs, model.minSteps));
          }
          samples.gpuSteps = gpu.steps;
          reply.models.push(samples);
        } catch (error) {
          reply.models.push({ name: model.name, error: error instanceof Error ? error.message : String(error) });
        } finally {
          gpu?.dispose();
          await wasm.release();
        }
      }
    } finally {
      await wasm.close();
      worker.terminate();
    }
    return reply;
  },
};
window.grokedgeGpuBench = bench;
