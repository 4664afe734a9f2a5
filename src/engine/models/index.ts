/** The models, chosen by `model.kind`. */
import type { ModelConfig } from "../../config/run-config.js";
import type { Arena } from "../../wasm/arena.js";
import type { ParameterLayout, ParameterState } from "../layout.js";
import type { Ops } from "../ops.js";
import { Mlp, mlpLayout } from "./mlp.js";
import type { InputShape, Model } from "./model.js";

export function modelLayout(config: ModelConfig, shape: InputShape): ParameterLayout {
  if (config.kind === "mlp") return mlpLayout(config, shape);
  throw new Error(`model kind "${config.kind}" is not available yet`);
}

export function createModel(config: ModelConfig, shape: InputShape, state: ParameterState, ops: Ops, arena: Arena, capacity: number): Model {
  if (config.kind === "mlp") return new Mlp(config, shape, state, ops, arena, capacity);
  throw new Error(`model kind "${config.kind}" is not available yet`);
}
