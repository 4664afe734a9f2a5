/**
 * The training loss in tfjs ops, reduced as the engine (and PyTorch's default `reduction="mean"`):
 * cross-entropy is the mean over rows of −log softmax(logits)[label] (torch.nn.CrossEntropyLoss);
 * MSE against the one-hot targets is the mean over every element, rows × classes (torch.nn.MSELoss).
 * Evaluation sums the per-row losses of a split's chunks instead (tfjsLossSum) and divides once, as
 * the engine does (meanLoss in src/engine/loss.ts).
 */
import type * as tfCore from "@tensorflow/tfjs-core";
import type { RunConfig } from "../config/run-config.js";
import { oneHotRows, type Tensor2D, type Tf } from "./twin.js";

export type LossKind = RunConfig["loss"];

/** One-hot targets, f32 [rows, classes], from class labels. */
export function oneHotTargets(tf: Tf, labels: Int32Array, classes: number): Tensor2D {
  return oneHotRows(tf, [labels], labels.length, classes);
}

/** The mean loss of `logits` [rows, classes] against one-hot `targets` [rows, classes]. */
export function tfjsLoss(tf: Tf, kind: LossKind, logits: Tensor2D, targets: Tensor2D): tfCore.Scalar {
  if (kind === "mse") return tf.mean(tf.square(tf.sub(logits, targets)));
  // logSoftmax subtracts the row maximum first, so large logits do not overflow exp.
  return tf.neg(tf.mean<tfCore.Scalar>(tf.sum(tf.mul(targets, tf.logSoftmax(logits)), 1)));
}

/** The sum of the per-row losses of `logits` [rows, classes] against one-hot `targets` (what tfjsLoss averages). */
export function tfjsLossSum(tf: Tf, kind: LossKind, logits: Tensor2D, targets: Tensor2D): tfCore.Scalar {
  if (kind === "mse") return tf.sum<tfCore.Scalar>(tf.square(tf.sub(logits, targets)));
  return tf.neg(tf.sum<tfCore.Scalar>(tf.mul(targets, tf.logSoftmax(logits))));
}
