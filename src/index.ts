/**
 * grokedge: bitwise-reproducible training runs for grokking research, on our own WebAssembly SIMD
 * kernels, in browsers, Workers and Node. Node users: import "grokedge/node" for file-based defaults.
 */
export { parseRunConfig, runConfigSchema, RunConfigError, RUN_CONFIG_VERSION } from "./config/run-config.js";
export type { RunConfig, RunConfigInput, TaskConfig, ModelConfig, OptimizerConfig } from "./config/run-config.js";
export { runResultSchema, curvePointSchema, runSummarySchema, runMetaSchema } from "./config/run-result.js";
export type { RunResult, CurvePoint, RunSummary, RunMeta } from "./config/run-result.js";
export { train, type TrainOptions, type Progress } from "./engine/train.js";
export { TrainingRun } from "./engine/training-run.js";
export { CheckpointError, checkpointHeader, type CheckpointHeader } from "./engine/checkpoint.js";
export { planRun, RunPace, type RunPlan, type Pace } from "./engine/run-plan.js";
export { ENGINE_VERSION } from "./engine/version.js";
export { loadKernels, compileKernels, type KernelInstance, type WasmSource, type BuildName } from "./wasm/loader.js";
export { gemm, workspaceFloats, GEMM_KERNELS, type GemmLayout, type GemmWorkspace } from "./ops/gemm.js";
export { loadMnist, parseMnist, type MnistData } from "./engine/tasks/mnist.js";
export { trainInBackground, type BackgroundOptions } from "./hosts/browser/background.js";
