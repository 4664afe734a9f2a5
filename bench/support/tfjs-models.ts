/**
 * The benchmark's reference models written with @tensorflow/tfjs-core ops (run on whichever backend is
 * active; bench/train.ts pins tfjs-backend-wasm to one thread): the grokking MLP, the Nanda et al. 2023
 * one-layer transformer and the MNIST MLP, each trained with a textbook AdamW (PyTorch's formula:
 * decoupled weight decay, bias-corrected moments) written in tfjs ops over tf.variableGrads.
 *
 * tfjs-backend-wasm has no kernel for the gradient of a gather (UnsortedSegmentSum), so token
 * embeddings are one-hot matmuls, onehot(tokens)·E; the one-hot matrices are input data, built once.
 */
import type * as tfNamespace from "@tensorflow/tfjs-core";
// tfjs-core's Node bundle registers no gradients, and its ESM gradient modules do not load in Node
// (directory imports); the @tensorflow/tfjs bundle registers them all into tfjs's global registry,
// which tfjs-core shares. Only that side effect is used: every op still comes from tfjs-core.
import "@tensorflow/tfjs";

type Tf = typeof tfNamespace;
type Tensor = tfNamespace.Tensor;
type Tensor2D = tfNamespace.Tensor2D;
type Variable = tfNamespace.Variable;

export interface AdamWHyper {
  lr: number;
  beta1: number;
  beta2: number;
  eps: number;
  weightDecay: number;
}

export interface TfjsTrainer {
  readonly parameterCount: number;
  /** Rows of one training step's batch. */
  readonly rows: number;
  /** One full training step (forward, backward, AdamW update on every variable); returns the step's loss, read back with dataSync. */
  step(): number;
  dispose(): void;
}

/** A model's variables and its loss on batch `i` (cycled through `batches`). */
interface Definition {
  variables: Variable[];
  batches: number;
  rows: number;
  loss(batch: number): tfNamespace.Scalar;
  /** Input tensors to free with the trainer. */
  data: Tensor[];
}

function trainer(tf: Tf, def: Definition, hyper: AdamWHyper): TfjsTrainer {
  const { variables } = def;
  const m = variables.map((v) => tf.variable(tf.zerosLike(v), false));
  const v2 = variables.map((v) => tf.variable(tf.zerosLike(v), false));
  let t = 0;
  return {
    parameterCount: variables.reduce((n, v) => n + v.size, 0),
    rows: def.rows,
    step(): number {
      const batch = t % def.batches;
      t++;
      const { beta1, beta2, lr, eps, weightDecay } = hyper;
      const c1 = 1 - beta1 ** t, c2 = 1 - beta2 ** t;
      const loss = tf.tidy(() => {
        const { value, grads } = tf.variableGrads(() => def.loss(batch), variables);
        variables.forEach((p, i) => {
          const g = grads[p.name];
          m[i].assign(tf.add(tf.mul(m[i], beta1), tf.mul(g, 1 - beta1)));
          v2[i].assign(tf.add(tf.mul(v2[i], beta2), tf.mul(tf.square(g), 1 - beta2)));
          const update = tf.div(tf.div(m[i], c1), tf.add(tf.sqrt(tf.div(v2[i], c2)), eps));
          p.assign(tf.sub(tf.mul(p, 1 - lr * weightDecay), tf.mul(update, lr)));
        });
        return value;
      });
      const out = loss.dataSync()[0];
      loss.dispose();
      return out;
    },
    dispose(): void {
      tf.dispose([...variables, ...m, ...v2, ...def.data]);
    },
  };
}

/** Mean cross-entropy of logits against one-hot targets. */
function crossEntropy(tf: Tf, logits: Tensor2D, targets: Tensor2D): tfNamespace.Scalar {
  return tf.neg(tf.mean(tf.sum(tf.mul(targets, tf.logSoftmax(logits)), 1))) as tfNamespace.Scalar;
}

let seed = 1;
function normal(tf: Tf, shape: number[], std: number, name: string): Variable {
  return tf.variable(std === 0 ? tf.zeros(shape) : tf.randomNormal(shape, 0, std, "float32", seed++), true, name);
}

const uniqueName = (() => {
  let n = 0;
  return (name: string) => `${name}_${n++}`;
})();

export interface MlpSpec {
  /** Widths of every layer boundary: input, hidden…, classes (for token input, input = 2·embeddingDim). */
  widths: number[];
  /** Token input: vocabulary and embedding width, with the std of E. */
  embedding?: { vocab: number; dim: number; std: number };
  /** Std of each linear layer's weights (biases start at zero). */
  layerStd: number[];
}

/**
 * MLP with ReLU and biases. Token input: x = [onehot(a)·E, onehot(b)·E]; pixel input: x as given.
 * `inputs` per batch: token input [a, b] id arrays; pixel input one Float32Array of rows×widths[0].
 */
export function tfjsMlp(tf: Tf, spec: MlpSpec, batches: { a?: Int32Array; b?: Int32Array; pixels?: Float32Array; labels: Int32Array }[], hyper: AdamWHyper): TfjsTrainer {
  const { widths, embedding } = spec;
  const classes = widths.at(-1)!;
  const variables: Variable[] = [];
  const E = embedding ? normal(tf, [embedding.vocab, embedding.dim], embedding.std, uniqueName("embedding")) : null;
  if (E) variables.push(E);
  const W: Variable[] = [], B: Variable[] = [];
  for (let l = 0; l + 1 < widths.length; l++) {
    W.push(normal(tf, [widths[l], widths[l + 1]], spec.layerStd[l], uniqueName(`w${l}`)));
    B.push(normal(tf, [widths[l + 1]], 0, uniqueName(`b${l}`)));
    variables.push(W[l], B[l]);
  }
  const data: Tensor[] = [];
  const keep = <T extends Tensor>(x: T) => (data.push(x), x);
  const prepared = batches.map((b) => ({
    inputs: embedding
      ? [keep(oneHotF32(tf, b.a!, embedding.vocab)), keep(oneHotF32(tf, b.b!, embedding.vocab))]
      : [keep(tf.tensor2d(b.pixels!, [b.labels.length, widths[0]]))],
    targets: keep(oneHotF32(tf, b.labels, classes)),
  }));
  return trainer(tf, {
    variables,
    batches: prepared.length,
    rows: batches[0].labels.length,
    data,
    loss(i) {
      const { inputs, targets } = prepared[i];
      let x = (E ? tf.concat([tf.matMul(inputs[0], E as Tensor2D), tf.matMul(inputs[1], E as Tensor2D)], 1) : inputs[0]) as Tensor2D;
      for (let l = 0; l < W.length; l++) {
        const z = tf.add(tf.matMul(x, W[l]), B[l]) as Tensor2D;
        x = l + 1 < W.length ? tf.relu(z) : z;
      }
      return crossEntropy(tf, x, targets);
    },
  }, hyper);
}

export interface TransformerSpec {
  /** Modulus: tokens 0…p−1 are numbers, token p is "=", the read-out has p classes. */
  p: number;
  dModel: number;
  heads: number;
  dMlp: number;
  /** A bias on the unembedding too (Nanda et al. have none; our engine adds one when `bias` is on). */
  unembedBias: boolean;
  /** Std of the token and position embeddings; other weights are N(0, 1/fan_in), biases zero. */
  embeddingStd: number;
}

/**
 * The Nanda et al. 2023 transformer: one layer, no LayerNorm, tokens [a, b, =], token and position
 * embeddings, causal multi-head attention and a ReLU MLP added to the residual stream, logits at the
 * last position through the unembedding (d_model × p). Biases on Q, K, V, O, both MLP layers and,
 * optionally, the unembedding.
 * Every position is computed through the block, as the reference implementation does.
 */
export function tfjsTransformer(tf: Tf, spec: TransformerSpec, a: Int32Array, b: Int32Array, labels: Int32Array, hyper: AdamWHyper): TfjsTrainer {
  const { p, dModel, heads, dMlp } = spec;
  const vocab = p + 1, positions = 3, dHead = dModel / heads, rows = labels.length;
  const inv = (n: number) => 1 / Math.sqrt(n);
  const wE = normal(tf, [vocab, dModel], spec.embeddingStd, uniqueName("W_E"));
  const wPos = normal(tf, [positions, dModel], spec.embeddingStd, uniqueName("W_pos"));
  const linear = (name: string, fanIn: number, fanOut: number) => [normal(tf, [fanIn, fanOut], inv(fanIn), uniqueName(`W_${name}`)), normal(tf, [fanOut], 0, uniqueName(`b_${name}`))];
  const [wQ, bQ] = linear("Q", dModel, dModel), [wK, bK] = linear("K", dModel, dModel), [wV, bV] = linear("V", dModel, dModel);
  const [wO, bO] = linear("O", dModel, dModel);
  const [wIn, bIn] = linear("in", dModel, dMlp), [wOut, bOut] = linear("out", dMlp, dModel);
  const wU = normal(tf, [dModel, p], inv(dModel), uniqueName("W_U"));
  const bU = spec.unembedBias ? normal(tf, [p], 0, uniqueName("b_U")) : null;
  const variables = [wE, wPos, wQ, bQ, wK, bK, wV, bV, wO, bO, wIn, bIn, wOut, bOut, wU, ...(bU ? [bU] : [])];

  // Input data, built once: one-hot tokens [rows·3, vocab] in row-major (row, position) order.
  const tokens = new Int32Array(rows * positions);
  for (let i = 0; i < rows; i++) tokens.set([a[i], b[i], p], i * positions);
  const xTokens = oneHotF32(tf, tokens, vocab);
  const targets = oneHotF32(tf, labels, p);
  // Causal mask on [query, key]: 0 where key ≤ query, −1e10 above the diagonal (added before softmax).
  const maskValues = new Float32Array(positions * positions);
  for (let q = 0; q < positions; q++) for (let k = q + 1; k < positions; k++) maskValues[q * positions + k] = -1e10;
  const mask = tf.tensor2d(maskValues, [positions, positions]);

  const heads4 = (x: Tensor) => tf.transpose(tf.reshape(x, [rows, positions, heads, dHead]), [0, 2, 1, 3]);
  return trainer(tf, {
    variables,
    batches: 1,
    rows,
    data: [xTokens, targets, mask],
    loss() {
      const embedded = tf.matMul(xTokens, wE as Tensor2D);
      const resid0 = tf.reshape(tf.add(tf.reshape(embedded, [rows, positions, dModel]), wPos), [rows * positions, dModel]) as Tensor2D;
      const q = heads4(tf.add(tf.matMul(resid0, wQ as Tensor2D), bQ));
      const k = heads4(tf.add(tf.matMul(resid0, wK as Tensor2D), bK));
      const v = heads4(tf.add(tf.matMul(resid0, wV as Tensor2D), bV));
      const scores = tf.add(tf.mul(tf.matMul(q, k, false, true), inv(dHead)), mask);
      const z = tf.matMul(tf.softmax(scores), v); // [rows, heads, positions, dHead]
      const zFlat = tf.reshape(tf.transpose(z, [0, 2, 1, 3]), [rows * positions, dModel]) as Tensor2D;
      const resid1 = tf.add(resid0, tf.add(tf.matMul(zFlat, wO as Tensor2D), bO)) as Tensor2D;
      const hidden = tf.relu(tf.add(tf.matMul(resid1, wIn as Tensor2D), bIn)) as Tensor2D;
      const resid2 = tf.add(resid1, tf.add(tf.matMul(hidden, wOut as Tensor2D), bOut));
      const last = tf.reshape(tf.slice(tf.reshape(resid2, [rows, positions, dModel]), [0, positions - 1, 0], [rows, 1, dModel]), [rows, dModel]) as Tensor2D;
      const logits = tf.matMul(last, wU as Tensor2D);
      return crossEntropy(tf, (bU ? tf.add(logits, bU) : logits) as Tensor2D, targets);
    },
  }, hyper);
}

function oneHotF32(tf: Tf, ids: Int32Array, depth: number): Tensor2D {
  return tf.tidy(() => tf.cast(tf.oneHot(tf.tensor1d(ids, "int32"), depth), "float32")) as Tensor2D;
}
