/**
 * A model from a run config, on fixed data, with its parameters and gradients readable and
 * writable by tensor name: what gradient checks and the tfjs oracle need.
 */
import { parseRunConfig, type RunConfig } from "../../src/config/run-config.js";
import { buildDataset, type Dataset } from "../../src/engine/tasks/dataset.js";
import type { MnistData } from "../../src/engine/tasks/mnist.js";
import { BatchBuffers } from "../../src/engine/batch-buffers.js";
import { ParameterState } from "../../src/engine/layout.js";
import { createModel, modelLayout } from "../../src/engine/models/index.js";
import type { Model } from "../../src/engine/models/model.js";
import { serialOps, type Ops } from "../../src/ops/ops.js";
import { optimizerStep } from "../../src/engine/optimizer.js";
import { Rng } from "../../src/engine/random.js";
import type { KernelInstance } from "../../src/wasm/loader.js";

export class ModelHarness {
  readonly config: RunConfig;
  readonly data: Dataset;
  readonly state: ParameterState;
  readonly model: Model;
  readonly ops: Ops;
  readonly batch: BatchBuffers;
  private readonly dlogits: number;
  private readonly rowLoss: number;

  /** `rows`: the first rows of the training split form the batch (default: all); `mnist`: digits for the mnist task. */
  constructor(readonly k: KernelInstance, config: unknown, { rows, mnist }: { rows?: number; mnist?: MnistData } = {}) {
    this.config = parseRunConfig(config);
    this.ops = serialOps(k.kernels);
    const rng = new Rng(this.config.seed);
    this.data = buildDataset(this.config.task, rng, mnist);
    const n = Math.min(rows ?? this.data.train.count, this.data.train.count);
    this.state = new ParameterState(modelLayout(this.config.model, this.data.shape), k.arena);
    this.state.initialize(rng, this.config.initScale, k.kernels.f64_log);
    this.model = createModel(this.config.model, this.data.shape, this.state, this.ops, k.arena, n);
    this.batch = new BatchBuffers(k.arena, n, this.data.shape.positions, this.data.shape.features);
    this.batch.loadRange(this.data.train, 0, n);
    this.dlogits = k.arena.allocF32(n * this.data.shape.classes);
    this.rowLoss = k.arena.alloc(n * 8);
  }

  get classes(): number {
    return this.data.shape.classes;
  }

  /** The training loss of the batch (mean as in training), without gradients. */
  loss(): number {
    const rows = this.batch.rows;
    const logits = this.model.forward(this.batch);
    this.ops.loss(this.config.loss, 0, this.rowLoss, logits, this.batch.targets, rows, this.classes, 1);
    const sum = this.ops.sumF64(this.rowLoss, rows);
    return this.config.loss === "mse" ? sum / (rows * this.classes) : sum / rows;
  }

  /** Zeroes the gradients and accumulates those of the batch loss; returns the loss. */
  backward(): number {
    const rows = this.batch.rows;
    this.ops.zero(this.state.grads, this.state.layout.total);
    const logits = this.model.forward(this.batch);
    const scale = this.config.loss === "mse" ? 1 / (rows * this.classes) : 1 / rows;
    this.ops.loss(this.config.loss, this.dlogits, this.rowLoss, logits, this.batch.targets, rows, this.classes, scale);
    this.model.backward(this.batch, this.dlogits);
    const sum = this.ops.sumF64(this.rowLoss, rows);
    return this.config.loss === "mse" ? sum / (rows * this.classes) : sum / rows;
  }

  step(t: number): void {
    optimizerStep(this.ops, this.state, this.config, t);
  }

  /** Live view of a parameter tensor. */
  param(name: string): Float32Array {
    const t = this.state.layout.get(name);
    return this.k.arena.f32(this.state.param(name), t.size);
  }

  grad(name: string): Float32Array {
    const t = this.state.layout.get(name);
    return this.k.arena.f32(this.state.grad(name), t.size);
  }

  /** The logits of the batch, copied. */
  logits(): Float32Array {
    return this.k.arena.f32(this.model.forward(this.batch), this.batch.rows * this.classes).slice();
  }
}
