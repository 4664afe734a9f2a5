/**
 * The registry of model kinds' config parts: each model folder's schema.ts gives its zod schema,
 * its cross-field rules and whether it has embedding parameters. Adding a model kind adds one entry
 * here (and one in index.ts for its code); the run config picks the kinds up from this list.
 */
import type { IssueSink } from "../../config/fields.js";
import type { TaskConfig } from "../../config/tasks.js";
import { checkMlp, mlpHasEmbeddings, mlpSchema } from "./mlp/schema.js";
import { checkTransformer, transformerSchema } from "./transformer/schema.js";

export const MODEL_SCHEMAS = [mlpSchema, transformerSchema] as const;

type ModelConfigOf<S> = S extends { _zod: { output: infer O } } ? O : never;
export type ModelConfig = ModelConfigOf<(typeof MODEL_SCHEMAS)[number]>;
export type ModelKindName = ModelConfig["kind"];

interface ModelRules<C> {
  /** Rules that involve the task or several model fields. */
  check(model: C, task: TaskConfig, issue: IssueSink): void;
  /** Whether the model has embedding-group parameters (optimizer.embedding overrides apply to them). */
  hasEmbeddings(model: C): boolean;
  /** The model in a few words, for messages. */
  describe(model: C): string;
}

export const MODEL_RULES: { [K in ModelKindName]: ModelRules<Extract<ModelConfig, { kind: K }>> } = {
  mlp: { check: checkMlp, hasEmbeddings: mlpHasEmbeddings, describe: (m) => `MLP input "${m.input}"` },
  transformer: { check: checkTransformer, hasEmbeddings: () => true, describe: (m) => `${m.layers}-layer transformer` },
};

/** The rules of `model`'s kind. */
export const modelRules = (model: ModelConfig): ModelRules<ModelConfig> => MODEL_RULES[model.kind] as ModelRules<ModelConfig>;
