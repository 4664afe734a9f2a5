/** The MLP's part of the run config, and its rules that involve the task. */
import { initStd, positiveInt, type IssueSink } from "../../../config/fields.js";
import type { TaskConfig } from "../../../config/tasks.js";
import * as z from "../../../config/zod.js";
import { ACTIVATIONS } from "../../../ops/kinds.js";

export const mlpSchema = z.strictObject({
  kind: z.literal("mlp"),
  /** Modular tasks: learned token embeddings (operands concatenated) or one-hot operands; MNIST: pixels. */
  input: z.enum(["embedding", "onehot", "pixels"]),
  /** Width of each operand's embedding (input "embedding" only). */
  embeddingDim: z.optional(positiveInt),
  /** Widths of the hidden layers, in order. */
  hidden: z.array(positiveInt).check(z.minLength(1)),
  activation: z._default(z.enum(ACTIVATIONS), "relu"),
  bias: z._default(z.boolean(), true),
  init: z._default(
    z.strictObject({
      embeddingStd: initStd,
      /** One entry per linear layer (hidden layers then the read-out); null keeps the default. */
      layerStd: z.optional(z.array(z.nullable(z.number().check(z.positive())))),
    }),
    {},
  ),
});

export type MlpConfig = z.output<typeof mlpSchema>;

export const mlpHasEmbeddings = (model: MlpConfig): boolean => model.input === "embedding";

export function checkMlp(model: MlpConfig, task: TaskConfig, issue: IssueSink): void {
  if (task.kind === "mnist" && model.input !== "pixels") issue(["model", "input"], `the mnist task takes input "pixels", got "${model.input}"`);
  if (task.kind === "modular" && model.input === "pixels") issue(["model", "input"], `a modular task takes input "embedding" or "onehot", got "pixels"`);
  if (model.input === "embedding" && model.embeddingDim === undefined) issue(["model", "embeddingDim"], `required with input "embedding"`);
  if (model.input !== "embedding" && model.embeddingDim !== undefined) issue(["model", "embeddingDim"], `only meaningful with input "embedding"`);
  const layers = model.hidden.length + 1;
  if (model.init.layerStd && model.init.layerStd.length !== layers) {
    issue(["model", "init", "layerStd"], `expected ${layers} entries (one per linear layer), got ${model.init.layerStd.length}`);
  }
}
