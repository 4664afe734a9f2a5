/** The models, chosen by `model.kind`. */
import type { ModelConfig } from "../../config/run-config.js";
import type { Arena } from "../../wasm/arena.js";
import type { ParameterLayout, ParameterState } from "../layout.js";
import type { Ops } from "../../ops/ops.js";
import { Mlp, mlpLayout } from "./mlp/mlp.js";
import { Transformer, transformerLayout } from "./transformer/transformer.js";
import type { InputShape, Model } from "./model.js";

export function modelLayout(config: ModelConfig, shape: InputShape): ParameterLayout {
  return config.kind === "mlp" ? mlpLayout(config, shape) : transformerLayout(config, shape);
}

export function createModel(config: ModelConfig, shape: InputShape, state: ParameterState, ops: Ops, arena: Arena, capacity: number): Model {
  return config.kind === "mlp" ? new Mlp(config, shape, state, ops, arena, capacity) : new Transformer(config, shape, state, ops, arena, capacity);
}
