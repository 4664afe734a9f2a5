/** The transformer's part of the run config, its weight tensors' names, and its rules that involve the task. */
import { initStd, positiveInt, type IssueSink } from "../../../config/fields.js";
import type { TaskConfig } from "../../../config/tasks.js";
import * as z from "../../../config/zod.js";

export const transformerSchema = z.strictObject({
  kind: z.literal("transformer"),
  layers: z._default(positiveInt, 1),
  dModel: positiveInt,
  heads: positiveInt,
  dMlp: positiveInt,
  layerNorm: z._default(z.boolean(), false),
  bias: z._default(z.boolean(), true),
  init: z._default(
    z.strictObject({
      /** Token and position embeddings (default 1). */
      embeddingStd: initStd,
      /** Every block's q, k, v and o (default fan-in). */
      attentionStd: initStd,
      /** Every block's wIn and wOut (default fan-in). */
      mlpStd: initStd,
      unembedStd: initStd,
      /** One tensor's std by name (see transformerWeightNames): overrides the above. */
      tensorStd: z.optional(z.record(z.string(), z.number().check(z.positive()))),
    }),
    {},
  ),
});

export type TransformerConfig = z.output<typeof transformerSchema>;

/** A block's weight matrices, in layout order: attention's q, k, v, o, then the MLP's in and out. */
export const BLOCK_WEIGHTS = ["wq", "wk", "wv", "wo", "wIn", "wOut"] as const;

/** The names of the weight tensors (those init.tensorStd may set), as the layout names them. */
export function transformerWeightNames(layers: number): string[] {
  const blocks = Array.from({ length: layers }, (_, l) => BLOCK_WEIGHTS.map((w) => `l${l}.${w}`));
  return ["tokenEmbedding", "positionEmbedding", ...blocks.flat(), "unembed"];
}

export function checkTransformer(model: TransformerConfig, task: TaskConfig, issue: IssueSink): void {
  if (task.kind !== "modular") issue(["model", "kind"], `the transformer takes a modular task`);
  if (model.dModel % model.heads !== 0) issue(["model", "heads"], `must divide dModel (${model.dModel}), got ${model.heads}`);
  const names = new Set(transformerWeightNames(model.layers));
  for (const name of Object.keys(model.init.tensorStd ?? {})) {
    if (!names.has(name)) {
      issue(["model", "init", "tensorStd", name], `no weight tensor "${name}" in a ${model.layers}-layer transformer (tokenEmbedding, positionEmbedding, l0.wq … l${model.layers - 1}.wOut, unembed)`);
    }
  }
}
