/**
 * A model kind as a plug-in: its parameter layout (pure, from the config) and its forward and
 * backward passes over the ops. Each kind lives in its own folder (schema.ts for its config part,
 * its layout and layers, tfjs.ts for its TensorFlow.js twin); index.ts and schemas.ts list the kinds.
 */
import type { Ops } from "../../ops/ops.js";
import type { Arena } from "../../wasm/arena.js";
import type { ParameterLayout, ParameterState } from "../layout.js";

/** One batch in the arena (byte offsets). */
export interface Batch {
  rows: number;
  /** i32[rows] token ids, one array per input position (modular tasks). */
  tokens: readonly number[];
  /** f32[rows × features] (pixel inputs). */
  inputs: number;
  /** i32[rows] class labels. */
  targets: number;
}

/** What the data gives a model: sizes it needs to lay itself out. */
export interface InputShape {
  /** Token vocabulary of each position (modular: p), or 0 for pixel inputs. */
  vocab: number;
  /** Number of token positions (modular: 2 operands), or 0. */
  positions: number;
  /** Features per row (pixels: 784), or 0. */
  features: number;
  classes: number;
}

export interface Model {
  readonly classes: number;
  /** Most rows one forward pass can take. */
  readonly capacity: number;
  /** Computes the logits of `batch`; returns their byte offset (f32[rows × classes]). */
  forward(batch: Batch): number;
  /** Accumulates parameter gradients from dlogits (f32[rows × classes]); needs the forward pass of the same batch just before. */
  backward(batch: Batch, dlogits: number): void;
}

export interface ModelKind<C, T> {
  /** The parameters' layout and the model's typed view of it, from the config alone (no data, no kernels). */
  layout(config: C, shape: InputShape): ParameterLayout<T>;
  /** The model's activations and scratch in `arena`, for batches of up to `capacity` rows. */
  create(config: C, shape: InputShape, state: ParameterState<T>, ops: Ops, arena: Arena, capacity: number): Model;
}
