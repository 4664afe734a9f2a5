/**
 * The run config's optimizer in tfjs ops, one update per training step over the parameter tensors in
 * layout order, as the engine's optimizerStep (src/engine/optimizer.ts) but written from the
 * textbook formulas, not from the engine's kernels:
 *
 * - AdamW, torch.optim.AdamW (Loshchilov & Hutter 2019, decoupled weight decay), step t ≥ 1:
 *     p ← p·(1 − lr·wd);  m ← β1·m + (1 − β1)·g;  v ← β2·v + (1 − β2)·g²;
 *     p ← p − lr·m̂/(√v̂ + ε),  m̂ = m/(1 − β1^t),  v̂ = v/(1 − β2^t)   (ε outside the square root).
 * - SGD, torch.optim.SGD (dampening 0, no Nesterov), weight decay coupled as an L2 term:
 *     d ← g + wd·p;  buf ← d at the first step, else μ·buf + d;  p ← p − lr·buf.
 *
 * Parameter groups: embedding tensors take `optimizer.embedding.{lr, weightDecay}` when given. The
 * learning rate warms up linearly, lr·min(1, t/warmupSteps). With `constrainNorm` every parameter is
 * then rescaled so the total L2 norm is that value (Liu, Michaud & Tegmark 2022, Omnigrok §3).
 *
 * The rescaling factor comes from the host by default (f64, rounded once, as the engine's kernel: the
 * oracle tests compare steps to the ulp) at the cost of a synchronous read-back per step; `normOnDevice`
 * computes it in f32 tensors instead, so a training run on WebGPU never waits for the GPU within a step.
 */
import type * as tfCore from "@tensorflow/tfjs-core";
import type { RunConfig } from "../config/run-config.js";
import type { ParameterLayout } from "../engine/layout.js";
import type { Tensor, Tf } from "./twin.js";

export interface TfjsOptimizer {
  /** One update of `params` (layout order) from their gradients `grads`, at step t ≥ 1 (1, 2, … in order). */
  apply(params: readonly tfCore.Variable[], grads: readonly Tensor[], step: number): void;
  /** Frees the optimizer's state (moments, momentum buffers). */
  dispose(): void;
}

export interface TfjsOptimizerOptions {
  /** Compute constrainNorm's factor on the device (f32) instead of reading the norm back (f64). */
  normOnDevice?: boolean;
}

export function createTfjsOptimizer(tf: Tf, config: Pick<RunConfig, "optimizer" | "constrainNorm">, layout: ParameterLayout, options: TfjsOptimizerOptions = {}): TfjsOptimizer {
  const opt = config.optimizer;
  const hyper = layout.tensors.map((t) =>
    t.group === "embedding" ? { lr: opt.embedding.lr ?? opt.lr, wd: opt.embedding.weightDecay ?? opt.weightDecay } : { lr: opt.lr, wd: opt.weightDecay },
  );
  // AdamW's moments m and v, or SGD's momentum buffer in m (none without momentum), zero at the start;
  // tidy frees each zeros tensor, its variable keeps the data.
  const zeros = () => tf.tidy(() => layout.tensors.map((t) => tf.variable(tf.zeros(t.shape as number[]), false)));
  const m = opt.kind === "adamw" || opt.momentum > 0 ? zeros() : [];
  const v = opt.kind === "adamw" ? zeros() : [];
  let last = 0;

  return {
    apply(params, grads, step) {
      if (params.length !== layout.tensors.length || grads.length !== params.length) throw new Error(`expected ${layout.tensors.length} parameters and gradients, got ${params.length} and ${grads.length}`);
      if (step !== last + 1) throw new Error(`optimizer steps go 1, 2, 3, …: expected step ${last + 1}, got ${step}`);
      last = step;
      const warmup = opt.warmupSteps > 0 ? Math.min(1, step / opt.warmupSteps) : 1;
      tf.tidy(() => {
        params.forEach((p, i) => {
          const g = grads[i], lr = hyper[i].lr * warmup, wd = hyper[i].wd;
          if (opt.kind === "adamw") {
            const { beta1, beta2, eps } = opt;
            const decayed = tf.mul(p, 1 - lr * wd);
            m[i].assign(tf.add(tf.mul(m[i], beta1), tf.mul(g, 1 - beta1)));
            v[i].assign(tf.add(tf.mul(v[i], beta2), tf.mul(tf.square(g), 1 - beta2)));
            const mHat = tf.div(m[i], 1 - beta1 ** step), vHat = tf.div(v[i], 1 - beta2 ** step);
            p.assign(tf.sub(decayed, tf.mul(tf.div(mHat, tf.add(tf.sqrt(vHat), eps)), lr)));
          } else {
            const d = wd === 0 ? g : tf.add(g, tf.mul(p, wd));
            let direction = d;
            if (opt.momentum > 0) {
              m[i].assign(step === 1 ? d : tf.add(tf.mul(m[i], opt.momentum), d));
              direction = m[i];
            }
            p.assign(tf.sub(p, tf.mul(direction, lr)));
          }
        });
        if (config.constrainNorm !== undefined && options.normOnDevice) {
          const sumSquares = tf.sum(tf.stack(params.map((p) => tf.sum(tf.square(p)))));
          // All-zero parameters have no direction to rescale: a factor of 1 leaves them as they are.
          const scale = tf.where(tf.greater(sumSquares, 0), tf.div(config.constrainNorm, tf.sqrt(sumSquares)), tf.onesLike(sumSquares));
          for (const p of params) p.assign(tf.mul(p, scale));
        } else if (config.constrainNorm !== undefined) {
          // The factor in f64 from the tensors' sums of squares, rounded to f32 once (as the engine's
          // f32_rescale_to_norm): the ulp or two that f32 sqrt and division would add to it shows as
          // |p|·2⁻²³ in every step, on the scale of the update itself. Costs one read-back per step.
          let sumSquares = 0;
          for (const s of tf.stack(params.map((p) => tf.sum(tf.square(p)))).dataSync()) sumSquares += s;
          // All-zero parameters have no direction to rescale; they stay as they are.
          if (sumSquares > 0) {
            const scale = config.constrainNorm / Math.sqrt(sumSquares);
            for (const p of params) p.assign(tf.mul(p, scale));
          }
        }
      });
    },
    dispose() {
      tf.dispose([...m, ...v]);
    },
  };
}
