/**
 * A tfjs run's evaluation, with the engine's definitions (RunParts.evaluate): over the whole train
 * and test splits, in chunks of the engine's EVAL_CHUNK rows, the mean loss as in training (the
 * per-row losses summed, then divided once by the engine's meanLoss), the accuracy (argmax of the
 * logits equal to the label), and the L2 norms of all parameters, of the embedding group and of the
 * rest. Every number of an evaluation comes back in one asynchronous read, so a WebGPU run waits for
 * the device once per evaluation and never blocks the page.
 *
 * f32 throughout on the device (the engine sums losses and squares in f64): values agree with the
 * engine's to f32 rounding at equal parameters, not bitwise.
 */
import type * as tfCore from "@tensorflow/tfjs-core";
import { meanLoss } from "../engine/loss.js";
import { EVAL_CHUNK, type Metrics } from "../engine/run-parts.js";
import { taskShape, type DataSplit } from "../engine/tasks/dataset.js";
import { oneHotTargets, tfjsLossSum } from "./loss.js";
import { rowsOf } from "./rows.js";
import type { TfjsRun } from "./run.js";
import type { Tensor, Tensor2D, Tf, TfjsInputs } from "./twin.js";

/** One chunk of a split, its tensors built once for the whole run. */
interface Chunk {
  inputs: TfjsInputs;
  targets: Tensor2D;
  labels: tfCore.Tensor1D;
}

export interface TfjsEvaluation {
  /** The metrics at the run's current parameters. */
  measure(): Promise<Metrics>;
  dispose(): void;
}

/** An evaluation of `run` on `train` and `test`: their input tensors are built here, once, and kept until dispose. */
export function createTfjsEvaluation(tf: Tf, run: TfjsRun, train: DataSplit, test: DataSplit): TfjsEvaluation {
  const { loss } = run.config;
  const classes = taskShape(run.config.task).classes;
  const chunks: Chunk[][] = [];
  const dispose = () => tf.dispose(chunks.flat().flatMap((c) => [...Object.values(c.inputs), c.targets, c.labels]));
  try {
    for (const split of [train, test]) {
      const own: Chunk[] = [];
      chunks.push(own);
      for (let start = 0; start < split.count; start += EVAL_CHUNK) {
        const part = rowsOf(split, start, Math.min(EVAL_CHUNK, split.count - start));
        own.push({ inputs: run.twin.inputs(tf, part), targets: oneHotTargets(tf, part.labels, classes), labels: tf.tensor1d(part.labels, "int32") });
      }
    }
  } catch (error) {
    dispose();
    throw error;
  }
  const [trainChunks, testChunks] = chunks;

  return {
    async measure() {
      // [loss sum, correct rows] per chunk of each split, then every tensor's sum of squares: one read.
      const packed = tf.tidy(() => {
        const perChunk = (c: Chunk): Tensor[] => {
          const logits = run.twin.forward(tf, run.variables, c.inputs);
          const correct = tf.sum(tf.cast(tf.equal(tf.argMax(logits, 1), c.labels), "float32"));
          return [tfjsLossSum(tf, loss, logits, c.targets), correct];
        };
        const squares = run.variables.map((v) => tf.sum(tf.square(v)));
        return tf.stack([...trainChunks.flatMap(perChunk), ...testChunks.flatMap(perChunk), ...squares]);
      });
      let values: Float32Array;
      try {
        values = (await packed.data()) as Float32Array;
      } finally {
        packed.dispose();
      }
      let at = 0;
      const splitMetrics = (own: Chunk[], count: number) => {
        let lossSum = 0, correct = 0;
        for (let i = 0; i < own.length; i++) {
          lossSum += values[at++];
          correct += values[at++];
        }
        return { loss: meanLoss(loss, lossSum, count, classes), accuracy: correct / count };
      };
      const a = splitMetrics(trainChunks, train.count), b = splitMetrics(testChunks, test.count);
      let embeddingSq = 0, otherSq = 0;
      run.layout.tensors.forEach((t) => {
        if (t.group === "embedding") embeddingSq += values[at++];
        else otherSq += values[at++];
      });
      return {
        trainLoss: a.loss,
        trainAccuracy: a.accuracy,
        testLoss: b.loss,
        testAccuracy: b.accuracy,
        weightNorm: Math.sqrt(embeddingSq + otherSq),
        embeddingNorm: Math.sqrt(embeddingSq),
        otherNorm: Math.sqrt(otherSq),
      };
    },
    dispose,
  };
}
