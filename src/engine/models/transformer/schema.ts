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

/**
 * Whether `name` is one of a `layers`-layer transformer's weight tensors (those init.tensorStd may set),
 * as the layout names them: tokenEmbedding, positionEmbedding, l<i>.<block weight> for i < layers,
 * unembed. Decided from the name, never by listing them: `layers` comes from an unchecked config.
 */
export function isTransformerWeightName(name: string, layers: number): boolean {
  if (name === "tokenEmbedding" || name === "positionEmbedding" || name === "unembed") return true;
  const block = /^l(0|[1-9]\d*)\.(\w+)$/.exec(name);
  return block !== null && Number(block[1]) < layers && (BLOCK_WEIGHTS as readonly string[]).includes(block[2]);
}

export function checkTransformer(model: TransformerConfig, task: TaskConfig, issue: IssueSink): void {
  if (task.kind !== "modular") issue(["model", "kind"], `the transformer takes a modular task`);
  if (model.dModel % model.heads !== 0) issue(["model", "heads"], `must divide dModel (${model.dModel}), got ${model.heads}`);
  for (const name of Object.keys(model.init.tensorStd ?? {})) {
    if (!isTransformerWeightName(name, model.layers)) {
      issue(["model", "init", "tensorStd", name], `no weight tensor "${name}" in a ${model.layers}-layer transformer (tokenEmbedding, positionEmbedding, l0.wq … l${model.layers - 1}.wOut, unembed)`);
    }
  }
}
