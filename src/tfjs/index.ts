/**
 * The engine's TensorFlow.js backend: the models' tfjs twins, the loss, the optimizers and a training
 * run, and a whole training run reported as the engine's (trainWithTfjs), on whichever tfjs backend the
 * caller sets up (`tf` is always a parameter; only tfjs's types are imported here). Optional: nothing
 * in src/index.ts or src/node.ts imports it; grokedge/webgpu (src/webgpu.ts) does.
 */
export { EngineBatchOrder, type BatchOrderState } from "./batch-order.js";
export { createTfjsEvaluation, type TfjsEvaluation } from "./evaluate.js";
export { oneHotTargets, tfjsLoss, tfjsLossSum, type LossKind } from "./loss.js";
export { createTfjsOptimizer, type TfjsOptimizer, type TfjsOptimizerOptions } from "./optimizer.js";
export { createTfjsRun, modelTwin, type TfjsRun, type TfjsRunOptions } from "./run.js";
export { backendTag, createTfjsRunLikeEngine, MAX_QUEUED_STEPS, trainWithTfjs, type TfjsTrainOptions } from "./train.js";
export { oneHotRows, type Tensor, type Tensor2D, type Tf, type TfjsInputs, type TfjsTwin } from "./twin.js";
