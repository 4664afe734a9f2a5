/**
 * One optimizer step over the flat parameter buffer: a fused kernel call per parameter group
 * (embeddings may have their own learning rate and weight decay), then the optional norm constraint.
 */
import { F32_BYTES } from "../wasm/arena.js";
import type { RunConfig } from "../config/run-config.js";
import type { ParameterState } from "./layout.js";
import type { Ops } from "../ops/ops.js";

/** Linear warm-up: lr·min(1, step/warmupSteps), step counted from 1. */
export function learningRate(lr: number, warmupSteps: number, step: number): number {
  return step < warmupSteps ? (lr * step) / warmupSteps : lr;
}

export function optimizerStep(ops: Ops, state: ParameterState, config: RunConfig, step: number): void {
  const opt = config.optimizer;
  for (const group of ["embedding", "weights"] as const) {
    const [start, end] = state.layout.groups[group];
    if (end === start) continue;
    const lr = learningRate(group === "embedding" ? (opt.embedding.lr ?? opt.lr) : opt.lr, opt.warmupSteps, step);
    const wd = group === "embedding" ? (opt.embedding.weightDecay ?? opt.weightDecay) : opt.weightDecay;
    const at = (base: number) => base + start * F32_BYTES;
    if (opt.kind === "adamw") {
      ops.adamw(at(state.params), at(state.grads), at(state.moment1), at(state.moment2), lr, opt.beta1, opt.beta2, opt.eps, wd, step, end - start);
    } else {
      ops.sgd(at(state.params), at(state.grads), at(state.moment1), lr, opt.momentum, wd, end - start);
    }
  }
  if (config.constrainNorm !== undefined) constrainNorm(ops, state, config.constrainNorm);
}

/** Rescales all parameters to a fixed total L2 norm (Omnigrok, Liu, Michaud & Tegmark 2022, §3: constrained optimisation). */
export function constrainNorm(ops: Ops, state: ParameterState, norm: number): void {
  const n = state.layout.total;
  ops.rescaleToNorm(state.params, ops.sumSquares(state.params, n), norm, n);
}
