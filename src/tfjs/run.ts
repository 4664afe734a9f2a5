/**
 * A training run in TensorFlow.js: the config's model twin, loss and optimizer over tfjs variables,
 * on whichever backend the caller set up. It starts from given parameter values (the engine's, for
 * a like-for-like comparison) and trains on a given training split; it is not bitwise reproducible
 * and draws nothing at random.
 *
 * Batches: `batchSize: "full"` trains on the whole split every step, as the engine. A mini-batch size
 * by default cuts the split into consecutive batches of that many rows (a short tail is dropped, as
 * the engine drops one) and cycles through them in order: the same number of rows per step as the
 * engine, but not its seeded shuffle; every batch's input tensors are built once, up front. Given
 * `nextBatchRows` (the engine's own order: src/tfjs/batch-order.ts), each step instead takes the rows
 * it names, its input tensors built for that step and freed with it.
 */
import type * as tfCore from "@tensorflow/tfjs-core";
import { parseRunConfig, type ModelConfig, type RunConfig } from "../config/run-config.js";
import type { ParameterLayout } from "../engine/layout.js";
import { mlpTwin } from "../engine/models/mlp/tfjs.js";
import type { InputShape } from "../engine/models/model.js";
import type { ModelKindName } from "../engine/models/schemas.js";
import { transformerTwin } from "../engine/models/transformer/tfjs.js";
import { taskShape, type DataSplit } from "../engine/tasks/dataset.js";
import { oneHotTargets, tfjsLoss } from "./loss.js";
import { createTfjsOptimizer } from "./optimizer.js";
import { pickRows, rowsOf } from "./rows.js";
import type { Tensor, Tensor2D, Tf, TfjsInputs, TfjsTwin } from "./twin.js";

/** Each model kind's twin (a new kind adds its tfjs.ts here, as its code in src/engine/models/index.ts). */
const TWINS: { [K in ModelKindName]: (model: Extract<ModelConfig, { kind: K }>, shape: InputShape) => TfjsTwin } = {
  mlp: mlpTwin,
  transformer: transformerTwin,
};

/** The twin of the config's model. */
export function modelTwin(model: ModelConfig, shape: InputShape): TfjsTwin {
  return (TWINS[model.kind] as (model: ModelConfig, shape: InputShape) => TfjsTwin)(model, shape);
}

export interface TfjsRunOptions {
  /** The training rows (indices into the split) of the next step's batch, called once per step; `rows` of them. Default: consecutive batches, cycled. */
  nextBatchRows?: () => ArrayLike<number>;
  /** constrainNorm's factor computed on the device, without a read-back per step (see createTfjsOptimizer). */
  normOnDevice?: boolean;
}

export interface TfjsRun {
  readonly config: RunConfig;
  readonly layout: ParameterLayout;
  /** The model's twin: its input tensors for a split's rows, and its forward pass. */
  readonly twin: TfjsTwin;
  /** The parameters, layout order: read them, never assign (the run updates them). */
  readonly variables: readonly tfCore.Variable[];
  readonly parameterCount: number;
  /** Rows of every training step's batch. */
  readonly rows: number;
  /** Steps taken so far. */
  readonly steps: number;
  /** One training step (forward, backward, optimizer update) on the next batch; returns its loss before the update. */
  step(): number;
  /**
   * The same step without waiting for it: on an asynchronous backend (WebGPU) the work is queued and
   * the loss (before the update) is a scalar tensor the caller reads when it chooses, and disposes.
   */
  enqueueStep(): tfCore.Scalar;
  /** The loss and the gradient of every parameter (layout order) on the next batch, at the current parameters; nothing is updated. */
  gradients(): { loss: number; grads: Float32Array[] };
  /** The logits [rows × classes] of the next batch at the current parameters. */
  logits(): Float32Array;
  /** Copies of the current parameters, layout order. */
  params(): Float32Array[];
  dispose(): void;
}

interface Batch {
  inputs: TfjsInputs;
  targets: Tensor2D;
}

/**
 * A run of `config` (validated, defaults filled) from `initialParams` — one Float32Array per tensor
 * in layout order, or all of them concatenated (as the engine's parameter buffer) — on `train`.
 */
export function createTfjsRun(tf: Tf, config: unknown, initialParams: Float32Array | readonly Float32Array[], train: DataSplit, options: TfjsRunOptions = {}): TfjsRun {
  const cfg = parseRunConfig(config);
  const shape = taskShape(cfg.task);
  const twin = modelTwin(cfg.model, shape);
  const { layout } = twin;
  const values = splitParams(layout, initialParams);
  const rows = cfg.batchSize === "full" ? train.count : Math.min(cfg.batchSize, train.count);
  if (rows === 0) throw new Error("the training split is empty");

  const variables: tfCore.Variable[] = [];
  const batches: Batch[] = [];
  let optimizer: ReturnType<typeof createTfjsOptimizer> | undefined;
  const dispose = () => {
    optimizer?.dispose();
    tf.dispose([...variables, ...batches.flatMap((b) => [...Object.values(b.inputs), b.targets])]);
  };
  try {
    // tidy frees each initial tensor; its variable keeps the data.
    tf.tidy(() => layout.tensors.forEach((t, i) => variables.push(tf.variable(tf.tensor(values[i], t.shape as number[], "float32"), true, uniqueName(t.name)))));
    if (!options.nextBatchRows) {
      for (let start = 0; start + rows <= train.count; start += rows) batches.push(batchOf(rowsOf(train, start, rows)));
    }
    optimizer = createTfjsOptimizer(tf, cfg, layout, { normOnDevice: options.normOnDevice });
  } catch (error) {
    dispose();
    throw error;
  }
  const opt = optimizer;

  function batchOf(split: DataSplit): Batch {
    return { inputs: twin.inputs(tf, split), targets: oneHotTargets(tf, split.labels, shape.classes) };
  }
  let steps = 0;
  /** The next step's rows from nextBatchRows, drawn once and kept until that step is taken (gradients() and logits() only look). */
  let upcoming: ArrayLike<number> | undefined;
  const upcomingRows = (draw: () => ArrayLike<number>) => {
    upcoming ??= draw();
    if (upcoming.length !== rows) throw new Error(`nextBatchRows gave ${upcoming.length} rows, expected ${rows}`);
    return upcoming;
  };
  /** The next step's batch: prebuilt (kept), or built for this step (the caller's tidy frees it). */
  const next = (): Batch => (options.nextBatchRows ? batchOf(pickRows(train, upcomingRows(options.nextBatchRows))) : batches[steps % batches.length]);
  const enqueueStep = () => {
    const loss = tf.tidy(() => {
      const { value, grads } = tf.variableGrads(lossOf(next()), variables);
      opt.apply(variables, variables.map((v) => grads[v.name]), steps + 1);
      return value;
    });
    steps++;
    upcoming = undefined;
    return loss;
  };
  const lossOf = (b: Batch) => () => tfjsLoss(tf, cfg.loss, twin.forward(tf, variables, b.inputs), b.targets);
  const read = (t: Tensor) => Float32Array.from(t.dataSync() as Float32Array);

  return {
    config: cfg,
    layout,
    twin,
    variables,
    parameterCount: layout.total,
    rows,
    get steps() {
      return steps;
    },
    step() {
      const loss = enqueueStep();
      try {
        return loss.dataSync()[0];
      } finally {
        loss.dispose();
      }
    },
    enqueueStep,
    gradients() {
      return tf.tidy(() => {
        const { value, grads } = tf.variableGrads(lossOf(next()), variables);
        return { loss: value.dataSync()[0], grads: variables.map((v) => read(grads[v.name])) };
      });
    },
    logits() {
      return tf.tidy(() => read(twin.forward(tf, variables, next().inputs)));
    },
    params() {
      return variables.map(read);
    },
    dispose,
  };
}

/** The initial values per tensor, checked against the layout. */
function splitParams(layout: ParameterLayout, values: Float32Array | readonly Float32Array[]): Float32Array[] {
  if (values instanceof Float32Array) {
    if (values.length !== layout.total) throw new Error(`expected ${layout.total} parameter values, got ${values.length}`);
    return layout.tensors.map((t) => values.subarray(t.index, t.index + t.size));
  }
  if (values.length !== layout.tensors.length) throw new Error(`expected ${layout.tensors.length} parameter tensors, got ${values.length}`);
  layout.tensors.forEach((t, i) => {
    if (values[i].length !== t.size) throw new Error(`parameter ${t.name}: expected ${t.size} values, got ${values[i].length}`);
  });
  return [...values];
}

/** tfjs variable names are global to the engine: one per run and tensor. */
const uniqueName = (() => {
  let n = 0;
  return (name: string) => `grokedge/${n++}/${name}`;
})();
