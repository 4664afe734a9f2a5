/**
 * A training run: data, model, optimizer state and metrics over one kernel instance. Deterministic:
 * the same config gives the same bits on every engine, because every random number comes from the
 * seeded stream and every floating-point operation from our kernels (or exact JS arithmetic).
 */
import { parseRunConfig, type RunConfig } from "../config/run-config.js";
import { GENERALIZATION_ACCURACY, MEMORIZATION_ACCURACY, type CurvePoint, type RunResult } from "../config/run-result.js";
import { buildDataset, type Dataset, type DataSplit } from "./tasks/dataset.js";
import type { MnistData } from "./tasks/mnist.js";
import type { KernelInstance } from "../wasm/loader.js";
import { BatchBuffers } from "./batch-buffers.js";
import { decodeCheckpoint, encodeCheckpoint } from "./checkpoint.js";
import { sha256Hex } from "./hash.js";
import { ParameterState } from "./layout.js";
import { createModel, modelLayout } from "./models/index.js";
import type { Model } from "./models/model.js";
import { serialOps, type Ops } from "../ops/ops.js";
import { constrainNorm, optimizerStep } from "./optimizer.js";
import { Rng } from "./random.js";
import { ENGINE_VERSION } from "./version.js";

/** Rows per evaluation forward pass (evaluation walks a split in chunks of this many). */
const EVAL_CHUNK = 4096;

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
  private readonly state: ParameterState;
  private readonly model: Model;
  private readonly ops: Ops;
  private readonly trainBatch: BatchBuffers;
  private readonly evalBatch: BatchBuffers;
  private readonly dlogits: number;
  private readonly rowLoss: number;
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
      this.ops = env.ops ?? serialOps(env.kernels.kernels);
      this.rng = new Rng(config.seed);
      this.data = buildDataset(config.task, this.rng, env.mnist);
      const { shape, train, test } = this.data;
      const batchRows = config.batchSize === "full" ? train.count : Math.min(config.batchSize, train.count);
      const evalRows = Math.min(EVAL_CHUNK, Math.max(train.count, test.count));
      this.state = new ParameterState(modelLayout(config.model, shape), arena);
      this.state.initialize(this.rng, config.initScale, env.kernels.kernels.f64_log);
      if (config.constrainNorm !== undefined) constrainNorm(this.ops, this.state, config.constrainNorm);
      this.model = createModel(config.model, shape, this.state, this.ops, arena, Math.max(batchRows, evalRows));
      this.trainBatch = new BatchBuffers(arena, batchRows, shape.positions, shape.features);
      this.evalBatch = new BatchBuffers(arena, evalRows, shape.positions, shape.features);
      this.dlogits = arena.allocF32(batchRows * shape.classes);
      this.rowLoss = arena.alloc(Math.max(batchRows, evalRows) * 8);
      if (config.batchSize === "full") this.trainBatch.loadRange(train, 0, train.count);
    } catch (error) {
      // A run that cannot be set up (e.g. too big for wasm memory) leaves the kernel instance as it found it.
      arena.release(this.arenaMark);
      throw error;
    }
  }

  /** A fresh run (validates the config first). */
  static create(config: unknown, env: RunEnvironment): TrainingRun {
    return new TrainingRun(parseRunConfig(config), env);
  }

  /** A run restored from `checkpoint()` bytes, continuing exactly where that run was. */
  static resume(bytes: Uint8Array, env: RunEnvironment): TrainingRun {
    const c = decodeCheckpoint(bytes);
    const run = new TrainingRun(parseRunConfig(c.header.config), env);
    try {
      if (run.state.layout.total !== c.header.parameterCount) throw new Error(`checkpoint: ${c.header.parameterCount} parameters, the config's model has ${run.state.layout.total}`);
      if (c.header.order.some((row) => row >= run.data.train.count)) throw new Error(`checkpoint: its batch order names rows past the ${run.data.train.count} training rows`);
      run.state.restore(c);
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
    return this.state.layout.total;
  }

  get done(): boolean {
    return this.step >= this.config.steps || this.stoppedEarly;
  }

  get stoppedEarly(): boolean {
    const target = this.config.earlyStopTestAccuracy;
    const last = this.curves.at(-1);
    return target !== undefined && last !== undefined && last.testAccuracy >= target;
  }

  /** The evaluation due at the current step, if any (step 0, every evalInterval, and the last step). */
  get evaluationDue(): boolean {
    const last = this.curves.at(-1);
    if (last?.step === this.step) return false;
    return this.step === 0 || this.step % this.config.evalInterval === 0 || this.step === this.config.steps;
  }

  /** One optimizer step on the next batch. */
  trainStep(): void {
    const t0 = performance.now();
    const { ops, state, model, config } = this;
    const batch = this.nextBatch();
    const classes = this.data.shape.classes;
    ops.zero(state.grads, state.layout.total);
    const logits = model.forward(batch);
    // Mean reduction as PyTorch: over rows for cross-entropy, over every element for MSE.
    const scale = config.loss === "mse" ? 1 / (batch.rows * classes) : 1 / batch.rows;
    ops.loss(config.loss, this.dlogits, this.rowLoss, logits, batch.targets, batch.rows, classes, scale);
    model.backward(batch, this.dlogits);
    this.step++;
    optimizerStep(ops, state, config, this.step);
    this.trainSeconds += (performance.now() - t0) / 1000;
  }

  /** Evaluates train and test metrics at the current step and records them. */
  evaluate(): CurvePoint {
    const train = this.measure(this.data.train), test = this.measure(this.data.test);
    const n = this.state.layout.total;
    const [e0, e1] = this.state.layout.groups.embedding;
    const embeddingSq = this.ops.sumSquares(this.state.params + e0 * 4, e1 - e0);
    const otherSq = this.ops.sumSquares(this.state.params + e1 * 4, n - e1);
    const point: CurvePoint = {
      step: this.step,
      trainLoss: train.loss,
      trainAccuracy: train.accuracy,
      testLoss: test.loss,
      testAccuracy: test.accuracy,
      weightNorm: Math.sqrt(this.ops.sumSquares(this.state.params, n)),
      embeddingNorm: Math.sqrt(embeddingSq),
      otherNorm: Math.sqrt(otherSq),
    };
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
        parameterCount: this.state.layout.total,
      },
      ...this.state.snapshot(),
    });
  }

  async paramsHash(): Promise<string> {
    return sha256Hex(this.env.kernels.arena.bytes(this.state.params, this.state.layout.total * 4));
  }

  async result(): Promise<RunResult> {
    if (this.curves.length === 0) this.evaluate();
    const firstAt = (ok: (p: CurvePoint) => boolean) => this.curves.find(ok)?.step ?? null;
    const memorizationStep = firstAt((p) => p.trainAccuracy >= MEMORIZATION_ACCURACY);
    const generalizationStep = firstAt((p) => p.testAccuracy >= GENERALIZATION_ACCURACY);
    return {
      config: this.config,
      curves: this.curves,
      summary: {
        memorizationStep,
        generalizationStep,
        grokkingDelay: memorizationStep !== null && generalizationStep !== null ? generalizationStep - memorizationStep : null,
        stepsRun: this.step,
        stoppedEarly: this.stoppedEarly && this.step < this.config.steps,
        final: this.curves.at(-1)!,
        paramsHash: await this.paramsHash(),
        parameterCount: this.state.layout.total,
        stepsPerSecond: this.stepsPerSecond,
        wallSeconds: this.wallSeconds,
      },
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
    if (batchSize === "full") return this.trainBatch;
    const count = this.data.train.count;
    const rows = this.trainBatch.capacity;
    // Epochs of a seeded permutation; a short tail is dropped so every step sees `rows` rows.
    if (this.cursor + rows > this.order.length) {
      this.order = this.rng.shuffle(Array.from({ length: count }, (_, i) => i));
      this.cursor = 0;
    }
    this.trainBatch.load(this.data.train, this.order.slice(this.cursor, this.cursor + rows));
    this.cursor += rows;
    return this.trainBatch;
  }

  private measure(split: DataSplit): { loss: number; accuracy: number } {
    const classes = this.data.shape.classes;
    let lossSum = 0, correct = 0;
    for (let start = 0; start < split.count; start += this.evalBatch.capacity) {
      const rows = Math.min(this.evalBatch.capacity, split.count - start);
      this.evalBatch.loadRange(split, start, rows);
      const logits = this.model.forward(this.evalBatch);
      correct += this.ops.loss(this.config.loss, 0, this.rowLoss, logits, this.evalBatch.targets, rows, classes, 1);
      lossSum += this.ops.sumF64(this.rowLoss, rows);
    }
    const perRow = this.config.loss === "mse" ? split.count * classes : split.count;
    return { loss: lossSum / perRow, accuracy: correct / split.count };
  }
}
