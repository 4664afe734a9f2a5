/**
 * A training run: data, model, optimizer state and metrics over one kernel instance. Deterministic:
 * the same config gives the same bits on every engine, because every random number comes from the
 * seeded stream and every floating-point operation from our kernels (or exact JS arithmetic).
 */
import { parseRunConfig, type RunConfig, type RunConfigInput } from "../config/run-config.js";
import { reachedEarlyStop } from "../config/curve-summary.js";
import type { CurvePoint, RunResult } from "../config/run-result.js";
import { serialOps, type Ops } from "../ops/ops.js";
import type { KernelInstance } from "../wasm/loader.js";
import type { BatchBuffers } from "./batch-buffers.js";
import { CheckpointError, decodeCheckpoint, encodeCheckpoint } from "./checkpoint.js";
import { paramsHash } from "./hash.js";
import { constrainNorm, optimizerStep } from "./optimizer.js";
import { Rng } from "./random.js";
import { evaluatesAt } from "./run-plan.js";
import { RunParts } from "./run-parts.js";
import { curvePointOf, summarizeRun } from "./run-summary.js";
import { buildDataset, type Dataset } from "./tasks/dataset.js";
import type { MnistData } from "./tasks/mnist.js";
import { ENGINE_VERSION } from "./version.js";

export interface RunEnvironment {
  kernels: KernelInstance;
  /** The operations layers run on; serial on `kernels` by default (the thread pool passes its own). */
  ops?: Ops;
  /** MNIST digits, for the mnist task. */
  mnist?: MnistData;
  threads?: number;
  note?: string;
}

export class TrainingRun {
  readonly config: RunConfig;
  readonly curves: CurvePoint[] = [];
  /** Optimizer steps done so far. */
  step = 0;
  private readonly rng: Rng;
  private readonly data: Dataset;
  private readonly parts: RunParts;
  private order: number[] = [];
  private cursor = 0;
  private trainSeconds = 0;
  private wallSeconds = 0;
  private readonly arenaMark: number;

  private constructor(config: RunConfig, private readonly env: RunEnvironment) {
    this.config = config;
    const { arena } = env.kernels;
    this.arenaMark = arena.mark();
    try {
      const ops = env.ops ?? serialOps(env.kernels.kernels);
      this.rng = new Rng(config.seed);
      this.data = buildDataset(config.task, this.rng, env.mnist);
      this.parts = new RunParts(config, arena, ops);
      this.parts.state.initialize(this.rng, config.initScale, env.kernels.kernels.f64_log);
      if (config.constrainNorm !== undefined) constrainNorm(ops, this.parts.state, config.constrainNorm);
      if (config.batchSize === "full") this.parts.trainBatch.loadRange(this.data.train, 0, this.data.train.count);
    } catch (error) {
      // A run that cannot be set up (e.g. too big for wasm memory) leaves the kernel instance as it found it.
      arena.release(this.arenaMark);
      throw error;
    }
  }

  /** A fresh run of a validated config (parseRunConfig; a config it returned is not validated again). */
  static create(config: RunConfigInput, env: RunEnvironment): TrainingRun {
    return new TrainingRun(parseRunConfig(config), env);
  }

  /** A run restored from `checkpoint()` bytes, continuing exactly where that run was. */
  static resume(bytes: Uint8Array, env: RunEnvironment): TrainingRun {
    const c = decodeCheckpoint(bytes);
    const run = new TrainingRun(parseRunConfig(c.header.config), env);
    try {
      if (run.parts.state.layout.total !== c.header.parameterCount) throw new CheckpointError(`checkpoint: ${c.header.parameterCount} parameters, the config's model has ${run.parts.state.layout.total}`);
      if (c.header.order.some((row) => row >= run.data.train.count)) throw new CheckpointError(`checkpoint: its batch order names rows past the ${run.data.train.count} training rows`);
      run.parts.state.restore(c);
    } catch (error) {
      run.dispose();
      throw error;
    }
    run.step = c.header.step;
    run.rng.restore(c.header.rng);
    run.order = c.header.order;
    run.cursor = c.header.cursor;
    run.curves.push(...c.header.curves);
    run.trainSeconds = c.header.trainSeconds;
    run.wallSeconds = c.header.wallSeconds;
    return run;
  }

  /** Training steps per second so far (evaluation time excluded). */
  get stepsPerSecond(): number {
    return this.trainSeconds > 0 ? this.step / this.trainSeconds : 0;
  }

  get parameterCount(): number {
    return this.parts.state.layout.total;
  }

  get done(): boolean {
    return this.step >= this.config.steps || this.stoppedEarly;
  }

  get stoppedEarly(): boolean {
    return reachedEarlyStop(this.config, this.curves);
  }

  /** The evaluation due at the current step, if any (step 0, every evalInterval, and the last step). */
  get evaluationDue(): boolean {
    return this.curves.at(-1)?.step !== this.step && evaluatesAt(this.config, this.step);
  }

  /** One optimizer step on the next batch. */
  trainStep(): void {
    const t0 = performance.now();
    this.parts.computeGradients(this.nextBatch());
    this.step++;
    optimizerStep(this.parts.ops, this.parts.state, this.config, this.step);
    this.trainSeconds += (performance.now() - t0) / 1000;
  }

  /** Evaluates train and test metrics at the current step and records them (a non-finite loss or norm as null). */
  evaluate(): CurvePoint {
    const { train, test } = this.data;
    const point = curvePointOf(this.step, this.parts.evaluate({ count: train.count, data: train }, { count: test.count, data: test }));
    this.curves.push(point);
    return point;
  }

  /** Adds wall time spent by the caller's loop (train() measures it). */
  addWallSeconds(seconds: number): void {
    this.wallSeconds += seconds;
  }

  checkpoint(): Uint8Array {
    return encodeCheckpoint({
      header: {
        engineVersion: ENGINE_VERSION,
        config: this.config,
        step: this.step,
        rng: this.rng.state,
        order: this.order,
        cursor: this.cursor,
        curves: this.curves,
        trainSeconds: this.trainSeconds,
        wallSeconds: this.wallSeconds,
        parameterCount: this.parts.state.layout.total,
      },
      ...this.parts.state.snapshot(),
    });
  }

  async paramsHash(): Promise<string> {
    const { state } = this.parts;
    return paramsHash(this.env.kernels.arena.f32(state.params, state.layout.total));
  }

  async result(): Promise<RunResult> {
    if (this.curves.length === 0) this.evaluate();
    return {
      config: this.config,
      curves: this.curves,
      summary: await summarizeRun(this.config, this.curves, {
        stepsRun: this.step,
        paramsHash: await this.paramsHash(),
        parameterCount: this.parts.state.layout.total,
        stepsPerSecond: this.stepsPerSecond,
        wallSeconds: this.wallSeconds,
      }),
      meta: {
        engineVersion: ENGINE_VERSION,
        backend: "wasm-simd",
        build: this.env.kernels.build,
        threads: this.env.threads ?? 1,
        ...(this.env.note ? { note: this.env.note } : {}),
      },
    };
  }

  /** Frees the run's arena memory (the kernel instance can host another run). */
  dispose(): void {
    this.env.kernels.arena.release(this.arenaMark);
  }

  private nextBatch(): BatchBuffers {
    const { batchSize } = this.config;
    if (batchSize === "full") return this.parts.trainBatch;
    const count = this.data.train.count;
    const rows = this.parts.trainBatch.capacity;
    // Epochs of a seeded permutation; a short tail is dropped so every step sees `rows` rows.
    if (this.cursor + rows > this.order.length) {
      this.order = this.rng.shuffle(Array.from({ length: count }, (_, i) => i));
      this.cursor = 0;
    }
    this.parts.trainBatch.load(this.data.train, this.order.slice(this.cursor, this.cursor + rows));
    this.cursor += rows;
    return this.parts.trainBatch;
  }
}
