/** Initialisation as configured: fan-in defaults, per-layer and per-tensor stds. */
import { describe, expect, it } from "vitest";
import { parseRunConfig, type MlpConfig, type TransformerConfig } from "../../src/config/run-config.js";
import { mlpLayout } from "../../src/engine/models/mlp/mlp.js";
import { transformerLayout } from "../../src/engine/models/transformer/transformer.js";
import { smallMlpConfig } from "../support/configs.js";

const shape = { vocab: 23, positions: 2, features: 0, classes: 23 };

describe("initial standard deviations", () => {
  it("MLP: fan-in normal by default, or each linear layer's layerStd", () => {
    const model = (init: object) => parseRunConfig({ ...smallMlpConfig(), model: { kind: "mlp", input: "onehot", hidden: [32], init } }).model as MlpConfig;
    const byDefault = mlpLayout(model({}), shape);
    expect(byDefault.get("w0").std).toBeCloseTo(1 / Math.sqrt(46), 12);
    expect(byDefault.get("w1").std).toBeCloseTo(1 / Math.sqrt(32), 12);
    const set = mlpLayout(model({ layerStd: [0.25, null] }), shape);
    expect([set.get("w0").std, set.get("w1").std]).toEqual([0.25, byDefault.get("w1").std]);
  });

  it("transformer: per tensor (tensorStd) over per kind over fan-in", () => {
    const model = (init: object) => parseRunConfig({ ...smallMlpConfig(), model: { kind: "transformer", layers: 2, dModel: 8, heads: 2, dMlp: 16, init } }).model as TransformerConfig;
    const layout = transformerLayout(model({ attentionStd: 0.3, tensorStd: { "l1.wq": 0.01, positionEmbedding: 0.5, "l0.wOut": 0.02 } }), shape);
    const std = (name: string) => layout.get(name).std;
    expect([std("l0.wq"), std("l1.wq"), std("l1.wk")]).toEqual([0.3, 0.01, 0.3]);
    expect([std("tokenEmbedding"), std("positionEmbedding")]).toEqual([1, 0.5]);
    expect([std("l0.wIn"), std("l0.wOut"), std("l1.wOut")]).toEqual([1 / Math.sqrt(8), 0.02, 1 / Math.sqrt(16)]);
  });
});
