/**
 * A run's model on fixed data — the first `rows` rows of the training split as one batch — built by
 * the engine's own RunParts, so gradients, loss scaling and the optimizer step are the real code's.
 * Parameters and gradients are readable and writable by tensor name: what gradient checks and the
 * tfjs oracle need.
 */
import { parseRunConfig, type RunConfig } from "../../src/config/run-config.js";
import type { BatchBuffers } from "../../src/engine/batch-buffers.js";
import type { ParameterState } from "../../src/engine/layout.js";
import type { Model } from "../../src/engine/models/model.js";
import { optimizerStep } from "../../src/engine/optimizer.js";
import { Rng } from "../../src/engine/random.js";
import { RunParts } from "../../src/engine/run-parts.js";
import { buildDataset, type Dataset } from "../../src/engine/tasks/dataset.js";
import type { MnistData } from "../../src/engine/tasks/mnist.js";
import { serialOps, type Ops } from "../../src/ops/ops.js";
import type { KernelInstance } from "../../src/wasm/loader.js";

export class ModelHarness {
  readonly config: RunConfig;
  readonly data: Dataset;
  readonly parts: RunParts;
  readonly state: ParameterState;
  readonly model: Model;
  readonly ops: Ops;
  readonly batch: BatchBuffers;

  /** `rows`: the first rows of the training split form the batch (default: all); `mnist`: digits for the mnist task. */
  constructor(readonly k: KernelInstance, config: unknown, { rows, mnist }: { rows?: number; mnist?: MnistData } = {}) {
    this.config = parseRunConfig(config);
    const rng = new Rng(this.config.seed);
    this.data = buildDataset(this.config.task, rng, mnist);
    const n = Math.min(rows ?? this.data.train.count, this.data.train.count);
    // The batch is the first n rows: a run config whose batch holds n rows, loaded in order.
    const batchSize = n === this.data.train.count ? "full" : n;
    this.parts = new RunParts(parseRunConfig({ ...this.config, batchSize }), k.arena, serialOps(k.kernels));
    ({ state: this.state, model: this.model, ops: this.ops, trainBatch: this.batch } = this.parts);
    this.state.initialize(rng, this.config.initScale, k.kernels.f64_log);
    this.batch.loadRange(this.data.train, 0, n);
  }

  get classes(): number {
    return this.parts.classes;
  }

  /** The training loss of the batch (mean as in training), without gradients. */
  loss(): number {
    return this.parts.measure({ count: this.batch.rows, data: this.data.train }).loss;
  }

  /** Zeroes the gradients and accumulates those of the batch loss; returns the loss. */
  backward(): number {
    this.parts.computeGradients(this.batch);
    return this.parts.batchLoss(this.batch);
  }

  step(t: number): void {
    optimizerStep(this.ops, this.state, this.config, t);
  }

  /** Live view of a parameter tensor. */
  param(name: string): Float32Array {
    const t = this.state.layout.get(name);
    return this.k.arena.f32(this.state.param(t), t.size);
  }

  grad(name: string): Float32Array {
    const t = this.state.layout.get(name);
    return this.k.arena.f32(this.state.grad(t), t.size);
  }

  /** The logits of the batch, copied. */
  logits(): Float32Array {
    return this.k.arena.f32(this.model.forward(this.batch), this.batch.rows * this.classes).slice();
  }
}
