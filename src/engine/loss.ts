/**
 * The loss's mean reduction, as PyTorch's defaults: cross-entropy averages over rows
 * (F.cross_entropy, reduction "mean"); MSE over every element, rows × classes (F.mse_loss).
 * The kernels return per-row sums and take the gradient's scale; both come from here.
 */
import type { Loss } from "../ops/kinds.js";

/** What the summed loss is divided by. */
export function lossDenominator(loss: Loss, rows: number, classes: number): number {
  return loss === "mse" ? rows * classes : rows;
}

/** The mean loss from the sum of the per-row losses. */
export const meanLoss = (loss: Loss, sum: number, rows: number, classes: number): number => sum / lossDenominator(loss, rows, classes);

/** The factor the loss kernels scale the gradient by: ∂(mean loss)/∂(summed loss). */
export const gradientScale = (loss: Loss, rows: number, classes: number): number => 1 / lossDenominator(loss, rows, classes);
