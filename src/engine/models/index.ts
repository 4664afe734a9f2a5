/** The model kinds' code, by `model.kind` (their config parts are listed in schemas.ts). */
import type { ModelConfig, ModelKindName } from "./schemas.js";
import type { ModelKind } from "./model.js";
import { Mlp, mlpLayout } from "./mlp/mlp.js";
import { Transformer, transformerLayout } from "./transformer/transformer.js";

/** A kind's entry, its parameter structure erased (a run reaches its tensors only through its own model). */
const entry = <C, T>(kind: ModelKind<C, T>) => kind as unknown as ModelKind<C, unknown>;

const MODEL_KINDS: { [K in ModelKindName]: ModelKind<Extract<ModelConfig, { kind: K }>, unknown> } = {
  mlp: entry({ layout: mlpLayout, create: (config, shape, state, ops, arena, capacity) => new Mlp(config, shape, state, ops, arena, capacity) }),
  transformer: entry({ layout: transformerLayout, create: (config, shape, state, ops, arena, capacity) => new Transformer(config, shape, state, ops, arena, capacity) }),
};

/** The plug-in of `config`'s kind. */
export const modelKind = (config: ModelConfig): ModelKind<ModelConfig, unknown> => MODEL_KINDS[config.kind] as ModelKind<ModelConfig, unknown>;
