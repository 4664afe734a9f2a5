/** A task's data as the engine sees it: train and test splits of token ids or pixel rows, with labels. */
import type { TaskConfig } from "../../config/run-config.js";
import type { InputShape } from "../models/model.js";
import type { Rng } from "../random.js";
import { MNIST_COLS, MNIST_ROWS, mnistSubset, type MnistData } from "./mnist.js";
import { modularData, modularSplitSizes, type TokenSplit } from "./modular.js";

export interface DataSplit {
  count: number;
  /** i32 token ids per position (modular tasks); empty for pixels. */
  tokens: Int32Array[];
  /** f32[count × features] (MNIST: pixel/255); null for tokens. */
  inputs: Float32Array | null;
  labels: Int32Array;
}

export interface Dataset {
  shape: InputShape;
  train: DataSplit;
  test: DataSplit;
}

const MNIST_PIXELS = MNIST_ROWS * MNIST_COLS;

const fromTokens = (s: TokenSplit): DataSplit => ({ count: s.count, tokens: [s.a, s.b], inputs: null, labels: s.labels });

/**
 * The input shape a task gives its model, from the config alone (no data needed): the API computes
 * a run's parameter count from it to check what volunteers report.
 */
export function taskShape(task: TaskConfig): InputShape {
  return task.kind === "modular" ? { vocab: task.p, positions: 2, features: 0, classes: task.p } : { vocab: 0, positions: 0, features: MNIST_PIXELS, classes: 10 };
}

/** Rows of the train and test splits, as buildDataset draws them (from the config alone). */
export function splitSizes(task: TaskConfig): { train: number; test: number } {
  return task.kind === "modular" ? modularSplitSizes(task.p, task.op, task.trainFraction) : { train: task.trainSize, test: task.testSize };
}

/** Builds the task's splits, drawing the split from `rng`. MNIST needs its digits passed in (see loadMnist). */
export function buildDataset(task: TaskConfig, rng: Rng, mnist?: MnistData): Dataset {
  const shape = taskShape(task);
  if (task.kind === "modular") {
    const data = modularData(task.p, task.op, task.trainFraction, rng);
    return { shape, train: fromTokens(data.train), test: fromTokens(data.test) };
  }
  if (!mnist) throw new Error("the mnist task needs MNIST digits: pass `mnist` (loadMnist) to train()");
  // A model laid out for other digits than the data's would read past each row.
  if (mnist.rows * mnist.cols !== shape.features) throw new Error(`the mnist task needs ${shape.features}-pixel digits, got ${mnist.rows}×${mnist.cols}`);
  const subset = mnistSubset(mnist, task.trainSize, task.testSize, rng);
  const split = (s: { inputs: Float32Array; labels: Int32Array }): DataSplit => ({ count: s.labels.length, tokens: [], inputs: s.inputs, labels: s.labels });
  return { shape, train: split(subset.train), test: split(subset.test) };
}
