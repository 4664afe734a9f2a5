/** What the trainer needs of a model: its parameter layout, a forward pass and a backward pass. */
import type { ParameterLayout } from "../layout.js";

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
  readonly layout: ParameterLayout;
  readonly classes: number;
  /** Most rows one forward pass can take. */
  readonly capacity: number;
  /** Computes the logits of `batch`; returns their byte offset (f32[rows × classes]). */
  forward(batch: Batch): number;
  /** Accumulates parameter gradients from dlogits (f32[rows × classes]); needs the forward pass of the same batch just before. */
  backward(batch: Batch, dlogits: number): void;
}
