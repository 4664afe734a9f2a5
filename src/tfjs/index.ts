/**
 * The engine's TensorFlow.js backend: the models' tfjs twins, the loss, the optimizers and a training
 * run, on whichever tfjs backend the caller sets up (`tf` is always a parameter; only tfjs's types are
 * imported here). Optional: nothing in src/index.ts or src/node.ts imports it.
 */
export { oneHotTargets, tfjsLoss, type LossKind } from "./loss.js";
export { createTfjsOptimizer, type TfjsOptimizer } from "./optimizer.js";
export { createTfjsRun, modelTwin, type TfjsRun } from "./run.js";
export { oneHotRows, type Tensor, type Tensor2D, type Tf, type TfjsInputs, type TfjsTwin } from "./twin.js";
