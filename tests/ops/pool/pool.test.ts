import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { train } from "../../../src/node.js";
import { createNodeThreadPool } from "../../../src/hosts/node/pool.js";
import type { ThreadPool } from "../../../src/ops/pool/pool.js";
import { ARGS_BYTE_OFFSET, chunkCount, chunkOf, CHUNKS, CHUNKS_PER_THREAD, CONTROL_BYTES, controlViews, EXTENT, ALIGN, FAILED, failureText, MAX_ARGS, NEXT_CHUNK, reportFailure, runChunks } from "../../../src/ops/pool/control.js";
import { createThreadPool } from "../../../src/ops/pool/pool.js";
import type { PoolExecutor } from "../../../src/ops/pool/pool-executor.js";
import { PARALLEL_MIN_WORK } from "../../../src/ops/pool/pool-executor.js";
import { loadBuild } from "../../../src/node.js";
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

describe("chunks", () => {
  it("chunkOf cuts [0, extent) into contiguous aligned chunks covering it once", () => {
    for (const [extent, align, chunks] of [[3763, 4, 8], [97, 4, 3], [5, 4, 4], [0, 1, 3], [113, 1, 12]]) {
      let next = 0;
      for (let c = 0; c < chunks; c++) {
        const [r0, r1] = chunkOf(extent, align, chunks, c);
        expect(r0).toBe(next);
        expect(r0 % align === 0 || r0 === extent).toBe(true);
        expect(r1).toBeGreaterThanOrEqual(r0);
        next = r1;
      }
      expect(next).toBe(extent);
    }
  });

  it("chunkCount gives each thread CHUNKS_PER_THREAD chunks, never more chunks than aligned units, never none", () => {
    expect(chunkCount(3763, 4, 2)).toBe(2 * CHUNKS_PER_THREAD);
    expect(chunkCount(3763, 4, 3)).toBe(3 * CHUNKS_PER_THREAD);
    expect(chunkCount(12, 4, 2)).toBe(3);
    expect(chunkCount(13, 4, 4)).toBe(4);
    expect(chunkCount(0, 4, 2)).toBe(1);
  });

  it("runChunks claims every chunk once, skips empty ones and sums the results", () => {
    const words = new Int32Array(new SharedArrayBuffer(4 * (NEXT_CHUNK + 1)));
    words[EXTENT] = 10;
    words[ALIGN] = 4;
    words[CHUNKS] = 5; // 3 aligned units in 5 chunks: two chunks are empty
    const ranges: [number, number][] = [];
    const total = runChunks(words, (start, end) => (ranges.push([start, end]), end - start + 100));
    expect(ranges).toEqual([[0, 4], [4, 8], [8, 10]]);
    expect(total).toBe(310);
    expect(runChunks(words, () => 1)).toBe(0); // nothing left to claim
  });
});

describe("the control block", () => {
  it("its views lie inside CONTROL_BYTES, one after the other: words, then the f64 arguments, then the message", () => {
    const memory = new WebAssembly.Memory({ initial: 1, maximum: 1, shared: true });
    const views = controlViews(memory, 1024);
    expect([views.words.byteOffset, views.words.byteLength]).toEqual([1024, ARGS_BYTE_OFFSET]);
    expect([views.args.byteOffset, views.args.length]).toEqual([1024 + ARGS_BYTE_OFFSET, MAX_ARGS]);
    expect(views.message.byteOffset).toBe(views.args.byteOffset + views.args.byteLength);
    expect(views.message.byteOffset + views.message.byteLength).toBe(1024 + CONTROL_BYTES);
  });

  it("keeps the first worker failure, its text cut to fit, and reads back exactly that text", () => {
    const memory = new WebAssembly.Memory({ initial: 1, maximum: 1, shared: true });
    const views = controlViews(memory, 0);
    views.message.fill(0x78); // leftovers past the terminator must not be read
    reportFailure(views, 2, new RangeError("memory access out of bounds"));
    reportFailure(views, 1, new Error("a later failure"));
    expect(views.words[FAILED]).toBe(3);
    expect(failureText(views)).toBe("RangeError: memory access out of bounds");
    const long = controlViews(new WebAssembly.Memory({ initial: 1, maximum: 1, shared: true }), 0);
    reportFailure(long, 0, "x".repeat(1000));
    expect(failureText(long)).toBe("x".repeat(long.message.length - 1));
  });
});

describe("creating a pool", () => {
  it.each([0, 1.5, 65])("refuses %s threads", async (threads) => {
    await expect(createNodeThreadPool(threads)).rejects.toThrow(`threads must be an integer in [1, 64], got ${threads}`);
  });

  it("refuses the single-thread build (a pool needs the shared-memory one)", async () => {
    const { module } = await loadBuild("simd");
    const host = { spawn: () => expect.unreachable("no worker may start") };
    await expect(createThreadPool(module, 2, host)).rejects.toThrow(new TypeError("a thread pool needs the simd-threads build"));
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

  it("the workers take part: a matmul whose chunks take milliseconds is shared, with one thread's bits", () => {
    // Chunks are claimed, not assigned, so a worker that wakes late may find none left; a big op
    // gives them time to wake. The bits are checked on every attempt, the sharing over five.
    const executor = pool.ops.executor as PoolExecutor;
    const { arena, kernels } = pool.kernels;
    const [m, k, n] = [2048, 256, 256];
    const a = arena.allocF32(m * k), b = arena.allocF32(k * n), one = arena.allocF32(m * n), many = arena.allocF32(m * n);
    arena.f32(a, m * k).forEach((_, i, v) => (v[i] = Math.sin(i)));
    arena.f32(b, k * n).forEach((_, i, v) => (v[i] = Math.cos(i)));
    const floats = workspaceFloats("nn", m, k, n), workspace = { ptr: arena.allocF32(floats), floats };
    gemm(kernels, "nn", one, a, b, m, k, n, false, workspace);
    let shared = false;
    for (let attempt = 0; attempt < 5 && !shared; attempt++) {
      const before = { ...executor.stats };
      pool.ops.gemm("nn", many, a, b, m, k, n, false, workspace);
      expect(arena.f32(many, m * n)).toEqual(arena.f32(one, m * n));
      const chunks = executor.stats.chunks - before.chunks;
      expect(chunks).toBe(chunkCount(Math.ceil(n / 8), 1, 3) + chunkCount(m, 4, 3)); // packing, then the multiply
      shared = executor.stats.coordinatorChunks - before.coordinatorChunks < chunks;
    }
    expect(shared).toBe(true);
  });

  it("counts split and serial calls (bench:train reads them)", () => {
    const executor = pool.ops.executor as PoolExecutor;
    const x = pool.kernels.arena.allocF32(PARALLEL_MIN_WORK);
    const before = { ...executor.stats };
    pool.ops.add(x, x, x, 64); // far below the threshold: on the coordinator alone
    expect(executor.stats.serialCalls - before.serialCalls).toBe(1);
    expect(executor.stats.splitCalls - before.splitCalls).toBe(0);
    pool.ops.add(x, x, x, PARALLEL_MIN_WORK);
    expect(executor.stats.splitCalls - before.splitCalls).toBe(1);
    expect(executor.stats.chunks - before.chunks).toBe(chunkCount(PARALLEL_MIN_WORK, 4, 3));
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
  // An embedding gather whose ids run far past memory in some rows: the chunks holding those rows trap.
  const [rows, dim, vocab] = [8192, 4, 16];
  function gatherWithBadIds(pool: ThreadPool, bad: (row: number) => boolean): () => void {
    const { arena } = pool.kernels;
    const out = arena.allocF32(rows * dim), table = arena.allocF32(vocab * dim), ids = arena.alloc(rows * 4);
    arena.i32(ids, rows).forEach((_, i, v) => (v[i] = bad(i) ? 100_000_000 : i % vocab));
    return () => pool.ops.embeddingForward(out, table, ids, rows, dim, false);
  }

  it("in every chunk: the op throws the worker's error, the pool refuses more work, close() ends every worker", async () => {
    const pool = await createNodeThreadPool(2);
    try {
      // The coordinator stops at its first trapping chunk, so the worker always claims one of the others.
      const gather = gatherWithBadIds(pool, () => true);
      expect(gather).toThrow(/thread pool: worker 1 failed in f32_embedding_forward_wasmsimd: RuntimeError: memory access out of bounds/);
      expect(() => pool.ops.add(0, 0, 0, 1 << 20)).toThrow(/worker 1 failed/);
    } finally {
      await pool.close();
    }
  });

  it("in one chunk: the op throws it only once the workers are done; if the coordinator ran it, the pool stays usable", async () => {
    for (let attempt = 0; attempt < 5; attempt++) {
      const pool = await createNodeThreadPool(2);
      try {
        const gather = gatherWithBadIds(pool, (i) => i === rows - 1);
        let message = "";
        try {
          gather();
        } catch (error) {
          message = String(error);
        }
        expect(message).toMatch(/memory access out of bounds/);
        const fine = gatherWithBadIds(pool, () => false);
        if (message.includes("worker 1 failed")) expect(fine).toThrow(/the pool is unusable/);
        else expect(fine).not.toThrow();
      } finally {
        await pool.close();
      }
    }
  });
});
