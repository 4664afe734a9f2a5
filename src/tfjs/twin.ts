/**
 * What a model's TensorFlow.js twin is (src/engine/models/<kind>/tfjs.ts): the same function as the
 * engine's model, written in tfjs ops, from the same parameter tensors in the engine's layout order.
 *
 * Twins run on any tfjs backend, so they use only ops that tfjs-backend-wasm and
 * tfjs-backend-webgpu both implement together with every kernel their gradients call. The one
 * casualty is gather: its gradient is UnsortedSegmentSum, which tfjs-backend-wasm lacks. A row
 * lookup is therefore a one-hot matrix times the table (exact: one product per sum, the rest add
 * zeros), and the one-hot matrices are input data, built here once per batch in JS (no OneHot or
 * Cast kernel needed either).
 *
 * tfjs is an optional dependency: only its types are imported; the caller passes the `tf` namespace
 * (and with it the backend it chose).
 */
import type * as tfCore from "@tensorflow/tfjs-core";
import type { ParameterLayout, ParamTensor } from "../engine/layout.js";
import type { DataSplit } from "../engine/tasks/dataset.js";

/** The tfjs namespace (`import * as tf from "@tensorflow/tfjs"`, or tfjs-core with a backend registered). */
export type Tf = typeof tfCore;
export type Tensor = tfCore.Tensor;
export type Tensor2D = tfCore.Tensor2D;

/** A batch's input tensors, by name (each twin documents its own). Constant data: no gradients flow into them. */
export type TfjsInputs = Readonly<Record<string, Tensor>>;

export interface TfjsTwin {
  /** The engine's layout for this config: names, shapes and groups of the tensors `forward` takes, in order. */
  readonly layout: ParameterLayout;
  /** The input tensors for every row of `batch` (its labels are not read). The caller disposes them. */
  inputs(tf: Tf, batch: DataSplit): TfjsInputs;
  /** logits [rows, classes] from the parameters (layout order) and the batch's inputs. */
  forward(tf: Tf, params: readonly Tensor[], inputs: TfjsInputs): Tensor2D;
}

/**
 * One-hot rows, f32 [rows·positions, depth]: row r·positions + p has a 1 at ids[p][r]. Read as
 * [rows, positions·depth] the same values are the positions' one-hots side by side (concatenated).
 */
export function oneHotRows(tf: Tf, ids: readonly ArrayLike<number>[], rows: number, depth: number): Tensor2D {
  const positions = ids.length;
  const values = new Float32Array(rows * positions * depth);
  for (let r = 0; r < rows; r++) {
    for (let p = 0; p < positions; p++) {
      const id = ids[p][r];
      if (!(id >= 0 && id < depth)) throw new RangeError(`token ${id} at row ${r}, position ${p} is outside the vocabulary of ${depth}`);
      values[(r * positions + p) * depth + id] = 1;
    }
  }
  return tf.tensor2d(values, [rows * positions, depth]);
}

/**
 * The tfjs tensor of each of the layout's tensors among `params` (given in layout order): twins reach
 * their parameters through the layout's typed view (`layout.named.w[1]`), as the engine's models do.
 */
export function paramTensors(layout: ParameterLayout, params: readonly Tensor[]): (tensor: ParamTensor) => Tensor {
  if (params.length !== layout.tensors.length) throw new Error(`expected ${layout.tensors.length} parameter tensors (layout order), got ${params.length}`);
  const position = new Map(layout.tensors.map((t, i) => [t, i]));
  return (tensor) => {
    const i = position.get(tensor);
    if (i === undefined) throw new Error(`parameter ${tensor.name} is not in this layout`);
    return params[i];
  };
}
