/**
 * A run's working set in an arena — parameter state, model, batch buffers, loss buffers — and the
 * computations every user of a model shares: the gradients of a batch's mean loss, and an
 * evaluation. TrainingRun, the run plan (on a measuring arena and a counting executor) and the
 * tests' model harness all build runs here, so the allocation order and the loss scaling exist once.
 */
import type { RunConfig } from "../config/run-config.js";
import type { CurvePoint } from "../config/run-result.js";
import { F32_BYTES, type Ops } from "../ops/ops.js";
import { F64_BYTES, type Arena } from "../wasm/arena.js";
import { BatchBuffers } from "./batch-buffers.js";
import { ParameterState } from "./layout.js";
import { gradientScale, meanLoss } from "./loss.js";
import type { Model, InputShape } from "./models/model.js";
import { modelKind } from "./models/index.js";
import { splitSizes, taskShape, type DataSplit } from "./tasks/dataset.js";

/** Rows per evaluation forward pass (evaluation walks a split in chunks of this many). */
export const EVAL_CHUNK = 4096;

export interface RunSizes {
  shape: InputShape;
  trainRows: number;
  testRows: number;
  /** Rows one optimizer step sees. */
  batchRows: number;
  /** Rows of one evaluation forward pass. */
  evalRows: number;
}

/** A run's sizes from its config alone. */
export function runSizes(config: RunConfig): RunSizes {
  const { train, test } = splitSizes(config.task);
  return {
    shape: taskShape(config.task),
    trainRows: train,
    testRows: test,
    batchRows: config.batchSize === "full" ? train : Math.min(config.batchSize, train),
    evalRows: Math.min(EVAL_CHUNK, Math.max(train, test)),
  };
}

/** A split to evaluate: its rows, and how to load rows [start, start + n) into a batch (omitted: the batch's contents do not matter, as in a dry run). */
export interface EvalSplit {
  count: number;
  data?: DataSplit;
}

export type Metrics = Omit<CurvePoint, "step">;

export class RunParts {
  readonly sizes: RunSizes;
  readonly state: ParameterState;
  readonly model: Model;
  readonly trainBatch: BatchBuffers;
  readonly evalBatch: BatchBuffers;
  private readonly dlogits: number;
  private readonly rowLoss: number;

  constructor(readonly config: RunConfig, arena: Arena, readonly ops: Ops) {
    const sizes = (this.sizes = runSizes(config));
    const { shape, batchRows, evalRows } = sizes;
    const kind = modelKind(config.model);
    this.state = new ParameterState(kind.layout(config.model, shape), arena);
    this.model = kind.create(config.model, shape, this.state, ops, arena, Math.max(batchRows, evalRows));
    this.trainBatch = new BatchBuffers(arena, batchRows, shape.positions, shape.features);
    this.evalBatch = new BatchBuffers(arena, evalRows, shape.positions, shape.features);
    this.dlogits = arena.allocF32(batchRows * shape.classes);
    this.rowLoss = arena.alloc(Math.max(batchRows, evalRows) * F64_BYTES);
  }

  get classes(): number {
    return this.sizes.shape.classes;
  }

  /** Zeroes the gradients and accumulates those of the batch's mean loss (batchLoss reads that loss). */
  computeGradients(batch: BatchBuffers): void {
    const { ops, state, config, classes } = this;
    ops.zero(state.grads, state.layout.total);
    const logits = this.model.forward(batch);
    ops.loss(config.loss, this.dlogits, this.rowLoss, logits, batch.targets, batch.rows, classes, gradientScale(config.loss, batch.rows, classes));
    this.model.backward(batch, this.dlogits);
  }

  /** The mean loss of the batch computeGradients last saw (training does not need it: summed only when asked). */
  batchLoss(batch: BatchBuffers): number {
    return meanLoss(this.config.loss, this.ops.sumF64(this.rowLoss, batch.rows), batch.rows, this.classes);
  }

  /** Loss (mean as in training) and accuracy over a whole split, in chunks, without gradients. */
  measure(split: EvalSplit): { loss: number; accuracy: number } {
    const { ops, config, classes, evalBatch } = this;
    let lossSum = 0, correct = 0;
    for (let start = 0; start < split.count; start += evalBatch.capacity) {
      const rows = Math.min(evalBatch.capacity, split.count - start);
      if (split.data) evalBatch.loadRange(split.data, start, rows);
      else evalBatch.rows = rows;
      const logits = this.model.forward(evalBatch);
      correct += ops.loss(config.loss, 0, this.rowLoss, logits, evalBatch.targets, rows, classes, 1);
      lossSum += ops.sumF64(this.rowLoss, rows);
    }
    return { loss: meanLoss(config.loss, lossSum, split.count, classes), accuracy: correct / split.count };
  }

  /** Train and test metrics and the parameters' norms (all, embedding group, the rest). */
  evaluate(train: EvalSplit, test: EvalSplit): Metrics {
    const a = this.measure(train), b = this.measure(test);
    const { ops, state } = this;
    const n = state.layout.total;
    const [e0, e1] = state.layout.groups.embedding;
    const embeddingSq = ops.sumSquares(state.params + e0 * F32_BYTES, e1 - e0);
    const otherSq = ops.sumSquares(state.params + e1 * F32_BYTES, n - e1);
    return {
      trainLoss: a.loss,
      trainAccuracy: a.accuracy,
      testLoss: b.loss,
      testAccuracy: b.accuracy,
      weightNorm: Math.sqrt(ops.sumSquares(state.params, n)),
      embeddingNorm: Math.sqrt(embeddingSq),
      otherNorm: Math.sqrt(otherSq),
    };
  }
}
