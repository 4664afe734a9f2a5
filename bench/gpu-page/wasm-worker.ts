/**
 * The wasm engine's side of the GPU benchmark, in a module Web Worker of the benchmark page (a
 * thread pool's coordinator blocks in Atomics.wait, which a page's main thread may not): the same
 * run config on one thread (simd build) and on a pool of Web Workers (simd-threads), timed in bursts
 * of training steps the page asks for between its own GPU bursts.
 */
import { expose } from "comlink";
import type { RunConfigInput } from "../../src/config/run-config.js";
import { TrainingRun } from "../../src/engine/training-run.js";
import { loadMnist, type MnistData } from "../../src/engine/tasks/mnist.js";
import { createBrowserThreadPool } from "../../src/hosts/browser/pool.js";
import type { ThreadPool } from "../../src/ops/pool/pool.js";
import { loadKernels, type KernelInstance } from "../../src/wasm/loader.js";
import { burstMs } from "./burst.js";

const at = (path: string) => new URL(path, self.location.origin);

export class WasmBench {
  private kernels?: KernelInstance;
  private pool?: ThreadPool;
  private mnist?: MnistData;
  private runs: { serial: TrainingRun; pooled: TrainingRun } | undefined;

  async start(threads: number): Promise<void> {
    this.kernels = await loadKernels(at("/build/simd.wasm"));
    const module = await WebAssembly.compileStreaming(fetch(at("/build/simd-threads.wasm")));
    this.pool = await createBrowserThreadPool(module, threads, at("/pool-worker.js"));
  }

  /** Sets up both runs of `config` and takes `warmupSteps` untimed steps on each. */
  async prepare(config: RunConfigInput, warmupSteps: number): Promise<{ parameterCount: number }> {
    this.release();
    const mnist = (config.task as { kind: string }).kind === "mnist" ? (this.mnist ??= await loadMnist(at("/build/mnist.bin"))) : undefined;
    const serial = TrainingRun.create(config, { kernels: this.kernels!, mnist });
    try {
      this.runs = { serial, pooled: TrainingRun.create(config, { kernels: this.pool!.kernels, ops: this.pool!.ops, threads: this.pool!.threads, mnist }) };
    } catch (error) {
      serial.dispose();
      throw error;
    }
    for (const run of [this.runs.serial, this.runs.pooled]) for (let i = 0; i < warmupSteps; i++) run.trainStep();
    return { parameterCount: serial.parameterCount };
  }

  /** Mean ms per step of one burst on one thread (`pooled` false) or on the pool. */
  burst(pooled: boolean, ms: number, minSteps: number): number {
    const run = pooled ? this.runs!.pooled : this.runs!.serial;
    return burstMs(() => run.trainStep(), ms, minSteps);
  }

  release(): void {
    this.runs?.serial.dispose();
    this.runs?.pooled.dispose();
    this.runs = undefined;
  }

  async close(): Promise<void> {
    this.release();
    await this.pool?.close();
  }
}

expose(new WasmBench());
