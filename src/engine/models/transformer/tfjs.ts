/**
 * The transformer's TensorFlow.js twin (see src/tfjs/twin.ts): the model of transformer.ts (Nanda et
 * al. 2023: tokens [a, b, =] with "=" the token id p, token + position embeddings, `layers` blocks of
 * causal multi-head attention and a ReLU MLP on the residual stream, pre-LayerNorm when enabled,
 * read-out at the last position) written as the full textbook computation: every position goes
 * through every block, and causal attention is a masked score matrix per head (Vaswani et al. 2017:
 * softmax(q·kᵀ/√d_head + mask)·v). The engine instead runs only the last position's queries,
 * attention output and MLP in its last block; both give the same logits and gradients.
 *
 * Inputs: `tokens`, one-hot f32 [rows·3, p + 1] in (row, position) order; `causalMask`, f32 [3, 3],
 * 0 where key ≤ query and −1e9 above the diagonal (added to the scores, so exp underflows to exactly
 * 0 there). The mask is data rather than code so a test can swap it for zeros and watch the
 * comparison with the engine fail.
 */
import { oneHotRows, paramTensors, type Tensor, type Tensor2D, type Tf, type TfjsInputs, type TfjsTwin } from "../../../tfjs/twin.js";
import type { ParamTensor } from "../../layout.js";
import type { DataSplit } from "../../tasks/dataset.js";
import type { InputShape } from "../model.js";
import type { TransformerConfig } from "./schema.js";
import { transformerLayout } from "./transformer.js";

/** Sequence length: the two operands and "=". */
const SEQ = 3;
/** LayerNorm's ε, as the engine's (and PyTorch's nn.LayerNorm default). */
const LAYER_NORM_EPS = 1e-5;
const MASKED = -1e9;

export function transformerTwin(config: TransformerConfig, shape: InputShape): TfjsTwin {
  const layout = transformerLayout(config, shape);
  const named = layout.named;
  const { dModel: d, heads } = config;
  const headDim = d / heads;
  const equals = shape.vocab;
  return {
    layout,
    inputs(tf: Tf, batch: DataSplit): TfjsInputs {
      const rows = batch.count;
      const tokens = oneHotRows(tf, [batch.tokens[0], batch.tokens[1], new Int32Array(rows).fill(equals)], rows, shape.vocab + 1);
      const mask = new Float32Array(SEQ * SEQ);
      for (let q = 0; q < SEQ; q++) for (let k = q + 1; k < SEQ; k++) mask[q * SEQ + k] = MASKED;
      return { tokens, causalMask: tf.tensor2d(mask, [SEQ, SEQ]) };
    },
    forward(tf: Tf, params: readonly Tensor[], inputs: TfjsInputs): Tensor2D {
      const p = paramTensors(layout, params);
      const tokens = inputs.tokens as Tensor2D;
      const N = tokens.shape[0], B = N / SEQ;
      /** x·W (+ b when the config has biases). */
      const linear = (x: Tensor2D, w: ParamTensor, b: ParamTensor | undefined): Tensor2D => {
        const y: Tensor2D = tf.matMul(x, p(w));
        return b ? tf.add(y, p(b)) : y;
      };
      /** LayerNorm over the last axis (Ba et al. 2016): γ·(x − μ)/√(σ² + ε) + β, σ² the biased variance; x itself without LayerNorm. */
      const layerNorm = (x: Tensor2D, ln: { gamma: ParamTensor; beta: ParamTensor } | undefined): Tensor2D => {
        if (!ln) return x;
        const centred = tf.sub(x, tf.mean(x, -1, true));
        const variance = tf.mean(tf.square(centred), -1, true);
        return tf.add(tf.mul(tf.div(centred, tf.sqrt(tf.add(variance, LAYER_NORM_EPS))), p(ln.gamma)), p(ln.beta));
      };
      // [N, d] ↔ [B, heads, SEQ, headDim]
      const splitHeads = (x: Tensor2D) => tf.transpose(tf.reshape(x, [B, SEQ, heads, headDim]), [0, 2, 1, 3]);
      const mergeHeads = (x: Tensor): Tensor2D => tf.reshape(tf.transpose(x, [0, 2, 1, 3]), [N, d]);

      // x₀ = E[token] + P[position], rows b·SEQ + t.
      const embedded = tf.reshape(tf.matMul(tokens, p(named.tokenEmbedding)), [B, SEQ, d]);
      let x: Tensor2D = tf.reshape(tf.add(embedded, p(named.positionEmbedding)), [N, d]);
      for (const blk of named.blocks) {
        const h = layerNorm(x, blk.ln1);
        const q = splitHeads(linear(h, blk.wq, blk.bq));
        const k = splitHeads(linear(h, blk.wk, blk.bk));
        const v = splitHeads(linear(h, blk.wv, blk.bv));
        const scores = tf.add(tf.mul(tf.matMul(q, k, false, true), 1 / Math.sqrt(headDim)), inputs.causalMask);
        const attention = mergeHeads(tf.matMul(tf.softmax(scores), v));
        const x1 = tf.add<Tensor2D>(x, linear(attention, blk.wo, blk.bo));
        const h2 = layerNorm(x1, blk.ln2);
        x = tf.add<Tensor2D>(x1, linear(tf.relu(linear(h2, blk.wIn, blk.bIn)), blk.wOut, blk.bOut));
      }
      // Read-out at "=" (the last position). A slice, whose gradient (a pad) every backend has.
      const last: Tensor2D = tf.reshape(tf.slice(tf.reshape(x, [B, SEQ, d]), [0, SEQ - 1, 0], [B, 1, d]), [B, d]);
      return linear(layerNorm(last, named.lnf), named.unembed, named.unembedBias);
    },
  };
}
