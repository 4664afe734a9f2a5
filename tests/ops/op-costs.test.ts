/**
 * Every op's plan, pinned: the kernel it calls, its argument order, the output extent a pool may split
 * and at which alignment, the FLOPs it reports (to the run plan and the benchmarks' GFLOP/s) and the
 * work estimate the pool's threshold compares. The expected FLOPs are written out here from the
 * formulas (not from ops.ts), on small odd sizes where a wrong factor cannot hide.
 */
import { describe, expect, it } from "vitest";
import { causalPairs, Ops } from "../../src/ops/ops.js";
import type { Executor, SplitCall, WholeCall } from "../../src/ops/plan.js";

type Recorded = { kind: "split"; call: SplitCall } | { kind: "whole"; call: WholeCall };

/** An executor that runs nothing and records every call. */
function recorder(): { ops: Ops; take(): Recorded } {
  const calls: Recorded[] = [];
  const executor: Executor = {
    run: (call) => (calls.push({ kind: "split", call }), 0),
    runWhole: (call) => (calls.push({ kind: "whole", call }), 0),
    zero: () => {},
    copy: () => {},
  };
  return {
    ops: new Ops(executor),
    take() {
      expect(calls).toHaveLength(1);
      return calls.pop()!;
    },
  };
}

// Sizes: rows 3, cols 5, elements 7, model width 11; attention batch 2, sequence 5, last 2 positions query, 3 heads of 4.
const [ROWS, COLS, N, DIM] = [3, 5, 7, 11];
/** Elementwise work relative to a multiply-add (the pool's threshold unit). */
const EW = 16;

function split(r: Recorded): SplitCall {
  expect(r.kind).toBe("split");
  return (r as { call: SplitCall }).call;
}

describe("op plans", () => {
  it("causalPairs counts the (query, key) pairs a causal mask keeps", () => {
    // Positions 3 and 4 of 0..4 query: 4 + 5 keys.
    expect(causalPairs(5, 2)).toBe(9);
    expect(causalPairs(5, 5)).toBe(15); // 1 + 2 + 3 + 4 + 5
    expect(causalPairs(4, 1)).toBe(4);
  });

  it("bias, embedding, add, optimizers and rescale: kernel, arguments, extent, alignment, FLOPs, work", () => {
    const { ops, take } = recorder();
    const cases: [() => void, Omit<SplitCall, "args"> & { args: unknown[] }][] = [
      [() => ops.biasForward(1, 2, 3, ROWS, COLS), { kernel: "f32_bias_forward_wasmsimd", args: [1, 2, 3, ROWS, COLS], extent: ROWS, align: 1, flops: 15, work: 15 * EW }],
      [() => ops.biasBackward(1, 2, ROWS, COLS), { kernel: "f32_bias_backward_wasmsimd", args: [1, 2, ROWS, COLS], extent: COLS, align: 4, flops: 15, work: 15 * EW }],
      // A plain lookup copies (0 FLOPs); accumulating adds one per element.
      [() => ops.embeddingForward(1, 2, 3, ROWS, DIM, false), { kernel: "f32_embedding_forward_wasmsimd", args: [1, 2, 3, ROWS, DIM, false], extent: ROWS, align: 1, flops: 0, work: 33 * EW }],
      [() => ops.embeddingForward(1, 2, 3, ROWS, DIM, true), { kernel: "f32_embedding_forward_wasmsimd", args: [1, 2, 3, ROWS, DIM, true], extent: ROWS, align: 1, flops: 33, work: 33 * EW }],
      [() => ops.embeddingBackward(1, 2, 3, ROWS, DIM), { kernel: "f32_embedding_backward_wasmsimd", args: [1, 2, 3, ROWS, DIM], extent: DIM, align: 4, flops: 33, work: 33 * EW }],
      [() => ops.add(1, 2, 3, N), { kernel: "f32_vadd_wasmsimd", args: [1, 2, 3], extent: N, align: 4, flops: 7, work: 7 * EW }],
      [() => ops.adamw(1, 2, 3, 4, 0.1, 0.9, 0.98, 1e-8, 0.5, 6, N), { kernel: "f32_adamw_wasmsimd", args: [1, 2, 3, 4, 0.1, 0.9, 0.98, 1e-8, 0.5, 6], extent: N, align: 4, flops: 14 * 7, work: 7 * EW }],
      [() => ops.sgd(1, 2, 3, 0.1, 0.9, 0.5, N), { kernel: "f32_sgd_momentum_wasmsimd", args: [1, 2, 3, 0.1, 0.9, 0.5], extent: N, align: 4, flops: 6 * 7, work: 7 * EW }],
      [() => ops.rescaleToNorm(1, 2, 3, N), { kernel: "f32_rescale_to_norm_wasmsimd", args: [1, 2, 3], extent: N, align: 4, flops: 7, work: 7 * EW }],
    ];
    for (const [run, expected] of cases) {
      run();
      expect(split(take()), expected.kernel).toEqual(expected);
    }
  });

  it("activations: forward and backward FLOPs per element, and the backward reads x or y as its derivative needs", () => {
    const { ops, take } = recorder();
    // [kernel suffix, forward FLOPs/element, backward FLOPs/element, backward reads]
    const table = [
      ["relu", "wasmsimd", 1, 1, "x"], // max(x, 0); dy·[x > 0]
      ["square", "wasmsimd", 1, 2, "x"], // x²; 2x·dy
      ["tanh", "scalar", 1, 3, "y"], // tanh x; dy·(1 − y²)
      ["gelu", "scalar", 9, 16, "x"], // GPT-2's tanh approximation and its analytic derivative
    ] as const;
    const [X, Y, DX, DY] = [10, 20, 30, 40];
    for (const [kind, isa, forward, backward, reads] of table) {
      ops.activationForward(kind, Y, X, N);
      expect(split(take())).toEqual({ kernel: `f32_${kind}_forward_${isa}`, args: [Y, X], extent: N, align: 4, flops: forward * N, work: N * EW });
      ops.activationBackward(kind, DX, DY, X, Y, N);
      expect(split(take())).toEqual({ kernel: `f32_${kind}_backward_${isa}`, args: [DX, DY, reads === "x" ? X : Y], extent: N, align: 4, flops: backward * N, work: N * EW });
    }
  });

  it("losses: FLOPs per logit without and with the gradient; split by rows", () => {
    const { ops, take } = recorder();
    // Softmax cross-entropy: max, subtract, exp, sum (4), and the gradient's subtract and scale (+2).
    // MSE to one-hot targets: subtract, square, sum (3), and the gradient's scale and double (+2).
    const table = [
      ["cross-entropy", "f32_softmax_xent_wasmsimd", 4, 6],
      ["mse", "f32_mse_onehot_scalar", 3, 5],
    ] as const;
    for (const [kind, kernel, evaluation, training] of table) {
      ops.loss(kind, 0, 2, 3, 4, ROWS, COLS, 0.5);
      expect(split(take())).toEqual({ kernel, args: [0, 2, 3, 4, ROWS, COLS, 0.5], extent: ROWS, align: 1, flops: evaluation * 15, work: 15 * 64 });
      ops.loss(kind, 1, 2, 3, 4, ROWS, COLS, 0.5);
      expect(split(take())).toEqual({ kernel, args: [1, 2, 3, 4, ROWS, COLS, 0.5], extent: ROWS, align: 1, flops: training * 15, work: 15 * 64 });
    }
  });

  it("LayerNorm: 8 FLOPs per element forward, 9 for the input gradient, 4 for the parameters' (split by columns)", () => {
    const { ops, take } = recorder();
    ops.layerNormForward(1, 2, 3, 4, 5, 6, ROWS, DIM, 1e-5);
    expect(split(take())).toEqual({ kernel: "f32_layernorm_forward_scalar", args: [1, 2, 3, 4, 5, 6, ROWS, DIM, 1e-5], extent: ROWS, align: 1, flops: 8 * 33, work: 33 * EW });
    ops.layerNormBackwardInput(1, 2, 3, 4, 5, 6, ROWS, DIM);
    expect(split(take())).toEqual({ kernel: "f32_layernorm_backward_input_scalar", args: [1, 2, 3, 4, 5, 6, ROWS, DIM], extent: ROWS, align: 1, flops: 9 * 33, work: 33 * EW });
    ops.layerNormBackwardParams(1, 2, 3, 4, 5, 6, ROWS, DIM);
    expect(split(take())).toEqual({ kernel: "f32_layernorm_backward_params_scalar", args: [1, 2, 3, 4, 5, 6, ROWS, DIM], extent: DIM, align: 1, flops: 4 * 33, work: 33 * EW });
  });

  it("attention: per kept (query, key) pair and head, 4·headDim + 3 FLOPs forward and 8·headDim + 3 backward; split by batch", () => {
    const { ops, take } = recorder();
    const [batch, seqLen, queryLen, heads, headDim] = [2, 5, 2, 3, 4];
    const pairs = 9; // causalPairs(5, 2), counted by hand above
    ops.attentionForward(1, 2, 3, 4, 5, batch, seqLen, queryLen, heads, headDim);
    expect(split(take())).toEqual({
      kernel: "f32_attention_forward_scalar",
      args: [1, 2, 3, 4, 5, batch, seqLen, queryLen, heads, headDim],
      extent: batch,
      align: 1,
      flops: batch * heads * pairs * (4 * headDim + 3), // 2·3·9·19 = 1026
      work: batch * heads * queryLen * seqLen * headDim * 4,
    });
    ops.attentionBackward(1, 2, 3, 4, 5, 6, 7, 8, batch, seqLen, queryLen, heads, headDim);
    expect(split(take())).toEqual({
      kernel: "f32_attention_backward_scalar",
      args: [1, 2, 3, 4, 5, 6, 7, 8, batch, seqLen, queryLen, heads, headDim],
      extent: batch,
      align: 1,
      flops: batch * heads * pairs * (8 * headDim + 3), // 2·3·9·35 = 1890
      work: batch * heads * queryLen * seqLen * headDim * 8,
    });
  });

  it("reductions run whole: Σx² (2 FLOPs per element) and the f64 sum (1)", () => {
    const { ops, take } = recorder();
    ops.sumSquares(1, N);
    expect(take()).toEqual({ kind: "whole", call: { kernel: "f32_sumsq_wasmsimd", args: [1, N], flops: 14 } });
    ops.sumF64(1, N);
    expect(take()).toEqual({ kind: "whole", call: { kernel: "f64_sum_scalar", args: [1, N], flops: 7 } });
  });
});
