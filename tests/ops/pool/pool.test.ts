import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { train } from "../../../src/node.js";
import { createNodeThreadPool } from "../../../src/hosts/node/pool.js";
import type { ThreadPool } from "../../../src/ops/pool/pool.js";
import { sliceOf } from "../../../src/ops/pool/control.js";
import { gemm, workspaceFloats } from "../../../src/ops/gemm.js";
import { smallMlpConfig } from "../../support/configs.js";

const mlp = smallMlpConfig({ p: 31, embeddingDim: 32, hidden: [64], steps: 30, seed: 4 });
const transformer = {
  ...mlp,
  task: { kind: "modular", p: 23, op: "add", trainFraction: 0.5 },
  model: { kind: "transformer", layers: 2, dModel: 32, heads: 4, dMlp: 64, layerNorm: true },
  steps: 8,
  evalInterval: 4,
};
const onehotSgd = {
  ...mlp,
  model: { kind: "mlp", input: "onehot", hidden: [48], activation: "square", bias: false },
  loss: "mse",
  optimizer: { kind: "sgd", lr: 0.5, momentum: 0.9, weightDecay: 1e-4 },
  constrainNorm: 12,
  batchSize: 200,
};

describe("sliceOf", () => {
  it("splits [0, extent) into contiguous aligned slices covering it once", () => {
    for (const [extent, align, threads] of [[3763, 4, 2], [97, 4, 3], [5, 4, 4], [0, 1, 3], [113, 1, 4]]) {
      let next = 0;
      for (let t = 0; t < threads; t++) {
        const [r0, r1] = sliceOf(extent, align, threads, t);
        expect(r0).toBe(next);
        expect(r0 % align === 0 || r0 === extent).toBe(true);
        next = r1;
      }
      expect(next).toBe(extent);
    }
  });
});

describe("training on a thread pool", () => {
  it.each([
    ["embedding MLP, AdamW", mlp],
    ["2-layer transformer with LayerNorm", transformer],
    ["one-hot MLP, SGD, norm constraint, mini-batches", onehotSgd],
  ])("gives the single-thread simd build's paramsHash with 1, 2, 3 and 4 threads: %s", async (_, config) => {
    const reference = await train(config);
    for (const threads of [1, 2, 3, 4]) {
      const result = await train(config, { threads });
      expect(result.summary.paramsHash, `${threads} threads`).toBe(reference.summary.paramsHash);
      expect(result.curves).toEqual(reference.curves);
      expect(result.meta).toMatchObject({ threads, build: threads === 1 ? "simd" : "simd-threads" });
    }
  }, 120_000);
});

describe("ThreadPool", () => {
  let pool: ThreadPool;
  beforeAll(async () => {
    pool = await createNodeThreadPool(3);
  });
  afterAll(() => pool.close());

  it("splits matmuls (all three layouts) across threads with the same bits as one thread", () => {
    const { arena, kernels } = pool.kernels;
    const [m, k, n] = [257, 113, 97];
    const a = arena.allocF32(m * k), b = arena.allocF32(k * n), one = arena.allocF32(m * n), many = arena.allocF32(m * n);
    arena.f32(a, m * k).forEach((_, i, v) => (v[i] = Math.sin(i)));
    arena.f32(b, k * n).forEach((_, i, v) => (v[i] = Math.cos(i)));
    const floats = workspaceFloats("tn", m, k, n), workspace = { ptr: arena.allocF32(floats), floats };
    for (const layout of ["nn", "tn", "nt"] as const) {
      gemm(kernels, layout, one, a, b, m, k, n, false, workspace);
      pool.ops.gemm(layout, many, a, b, m, k, n, false, workspace);
      expect(arena.f32(many, m * n)).toEqual(arena.f32(one, m * n));
    }
  });

  it("adds up the slices' results (loss correct counts)", () => {
    const { arena, kernels } = pool.kernels;
    const rows = 5000, cols = 7;
    const logits = arena.allocF32(rows * cols), targets = arena.alloc(rows * 4), rowLoss = arena.alloc(rows * 8);
    arena.f32(logits, rows * cols).forEach((_, i, v) => (v[i] = Math.sin(i * 0.37)));
    arena.i32(targets, rows).forEach((_, i, v) => (v[i] = i % cols));
    const serial = kernels.f32_softmax_xent_wasmsimd(0, rowLoss, logits, targets, rows, cols, 1, 0, rows);
    expect(pool.ops.loss("cross-entropy", 0, rowLoss, logits, targets, rows, cols, 1)).toBe(serial);
  });
});

describe("a kernel that traps on a pool", () => {
  // An embedding gather whose ids run far past memory in some rows: those rows' slice traps.
  const [rows, dim, vocab] = [8192, 4, 16];
  function gatherWithBadIds(pool: ThreadPool, bad: (row: number) => boolean): () => void {
    const { arena } = pool.kernels;
    const out = arena.allocF32(rows * dim), table = arena.allocF32(vocab * dim), ids = arena.alloc(rows * 4);
    arena.i32(ids, rows).forEach((_, i, v) => (v[i] = bad(i) ? 100_000_000 : i % vocab));
    return () => pool.ops.embeddingForward(out, table, ids, rows, dim, false);
  }

  it("in a worker: the op throws the worker's error, the pool refuses more work, close() ends every worker", async () => {
    const pool = await createNodeThreadPool(2);
    try {
      const gather = gatherWithBadIds(pool, (i) => i >= rows / 2); // slice 1, the worker's
      expect(gather).toThrow(/thread pool: worker 1 failed in f32_embedding_forward_wasmsimd: RuntimeError: memory access out of bounds/);
      expect(() => pool.ops.add(0, 0, 0, 1 << 20)).toThrow(/worker 1 failed/);
    } finally {
      await pool.close();
    }
  });

  it("in the coordinator's own slice: it throws only once the workers are done, and the pool stays usable", async () => {
    const pool = await createNodeThreadPool(2);
    try {
      const gather = gatherWithBadIds(pool, (i) => i < rows / 2); // slice 0, the coordinator's
      expect(gather).toThrow(/memory access out of bounds/);
      const fine = gatherWithBadIds(pool, () => false);
      expect(fine).not.toThrow();
    } finally {
      await pool.close();
    }
  });
});
