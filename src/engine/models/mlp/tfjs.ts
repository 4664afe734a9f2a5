/**
 * The MLP's TensorFlow.js twin (see src/tfjs/twin.ts): the network of mlp.ts written the textbook
 * way, without the engine's factorised first layer (per-position tables E·W₀ gathered by token):
 *
 *   x = [e(a), e(b)] (embedding: the operands' rows of E side by side), [onehot(a), onehot(b)]
 *       (onehot) or the pixels;
 *   z_l = x_l·W_l (+ b_l),  x_{l+1} = act(z_l) for hidden layers;  logits = the last z.
 *
 * Inputs: `tokens`, one-hot f32 [rows·positions, vocab] in (row, position) order (embedding input),
 * so tokens·E reshaped to [rows, positions·d] is the concatenated embeddings; `x`, f32
 * [rows, features] (one-hot operands side by side, or the pixels).
 */
import { oneHotRows, paramTensors, type Tensor, type Tensor2D, type Tf, type TfjsInputs, type TfjsTwin } from "../../../tfjs/twin.js";
import type { DataSplit } from "../../tasks/dataset.js";
import type { InputShape } from "../model.js";
import { mlpLayout } from "./mlp.js";
import type { MlpConfig } from "./schema.js";

/** √(2/π), the GELU tanh approximation's constant. */
const SQRT_2_OVER_PI = Math.sqrt(2 / Math.PI);

export function mlpTwin(config: MlpConfig, shape: InputShape): TfjsTwin {
  const layout = mlpLayout(config, shape);
  const { embedding, w, b } = layout.named;
  const { vocab, positions, features } = shape;
  return {
    layout,
    inputs(tf: Tf, batch: DataSplit): TfjsInputs {
      const rows = batch.count;
      if (config.input === "pixels") {
        if (!batch.inputs) throw new Error("pixel input needs the batch's pixels");
        return { x: tf.tensor2d(batch.inputs.subarray(0, rows * features), [rows, features]) };
      }
      const tokens = oneHotRows(tf, batch.tokens.slice(0, positions), rows, vocab);
      if (config.input === "embedding") return { tokens };
      // Row r of [rows·positions, vocab] row-major, read as [rows, positions·vocab], is r's one-hots concatenated.
      const x = tf.reshape(tokens, [rows, positions * vocab]);
      tokens.dispose();
      return { x };
    },
    forward(tf: Tf, params: readonly Tensor[], inputs: TfjsInputs): Tensor2D {
      const p = paramTensors(layout, params);
      let x: Tensor2D;
      if (embedding) {
        const tokens = inputs.tokens as Tensor2D;
        const rows = tokens.shape[0] / positions;
        x = tf.reshape(tf.matMul(tokens, p(embedding)), [rows, positions * config.embeddingDim!]);
      } else {
        x = inputs.x as Tensor2D;
      }
      for (let l = 0; l < w.length; l++) {
        let z: Tensor2D = tf.matMul(x, p(w[l]));
        if (config.bias) z = tf.add(z, p(b[l]));
        x = l + 1 < w.length ? activate(tf, config.activation, z) : z;
      }
      return x;
    },
  };
}

function activate(tf: Tf, kind: MlpConfig["activation"], x: Tensor2D): Tensor2D {
  switch (kind) {
    case "relu":
      return tf.relu(x);
    case "square":
      return tf.square(x);
    case "tanh":
      return tf.tanh(x);
    case "gelu": {
      // GPT-2's GELU (Hendrycks & Gimpel 2016, tanh approximation): ½·x·(1 + tanh(√(2/π)·(x + 0.044715·x³))).
      // x³ as two products rather than tf.pow: plain multiplies, whose gradient is plain multiplies too.
      const cube = tf.mul(tf.mul(x, x), x);
      const u = tf.mul(tf.add(x, tf.mul(cube, 0.044715)), SQRT_2_OVER_PI);
      return tf.mul(tf.mul(x, 0.5), tf.add(tf.tanh(u), 1));
    }
  }
}
