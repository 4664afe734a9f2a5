/**
 * Ops over a pool of threads sharing one wasm memory: each kernel's range is split into contiguous
 * slices, one per thread, the coordinator (this object's thread) taking slice 0. Kernels compute
 * every output element the same way whatever slice reaches it, and no reduction dimension is ever
 * split, so results are bitwise those of one thread. Work too small to be worth waking the workers
 * runs on the coordinator alone.
 */
import type { Activation } from "../../config/run-config.js";
import { SerialOps, type Ops } from "../ops.js";
import { gemmSteps, type GemmLayout, type GemmWorkspace } from "../gemm.js";
import type { KernelExports } from "../../wasm/kernels.js";
import { ALIGN, ARG_COUNT, controlViews, EXTENT, FAILED, failureText, GENERATION, KERNEL, LINE_RESULT, MAX_ARGS, OP_TIMEOUT_MS, PENDING, sliceOf, STOP, waitWhileEqual, type ControlViews } from "./control.js";
import { callKernel, kernelIndex, type ParallelKernel } from "./parallel-kernels.js";

/** Below this much work (multiply-adds, or elements × 16 for elementwise ops) one thread does it all. */
export const PARALLEL_MIN_WORK = 1 << 18;

export class ParallelOps implements Ops {
  readonly kernels: KernelExports;
  private readonly serial: SerialOps;
  private readonly views: ControlViews;
  /** Why the pool can take no more work, once a worker failed or stopped answering. */
  private broken?: Error;

  /** `threads` counts the coordinator: workers 1…threads−1 must be serving `control`. */
  constructor(kernels: KernelExports, memory: WebAssembly.Memory, control: number, readonly threads: number) {
    this.kernels = kernels;
    this.serial = new SerialOps(kernels);
    this.views = controlViews(memory, control);
  }

  /** Runs `kernel(...args, r0, r1)` over [0, extent) on every thread; returns the sum of the slices' results. */
  private run(kernel: ParallelKernel, args: number[], extent: number, align: number, work: number): number {
    const index = kernelIndex.get(kernel)!;
    if (this.broken) throw this.broken;
    if (this.threads === 1 || work < PARALLEL_MIN_WORK) return callKernel(this.kernels, index, args, args.length, 0, extent);
    if (args.length > MAX_ARGS) throw new RangeError(`${kernel}: ${args.length} arguments exceed the control block's ${MAX_ARGS}`);
    const { words } = this.views;
    words[KERNEL] = index;
    words[ARG_COUNT] = args.length;
    words[EXTENT] = extent;
    words[ALIGN] = align;
    this.views.args.set(args);
    Atomics.store(words, PENDING, this.threads - 1);
    Atomics.add(words, GENERATION, 1);
    Atomics.notify(words, GENERATION);
    const [r0, r1] = sliceOf(extent, align, this.threads, 0);
    let total = 0;
    try {
      total = r1 > r0 ? callKernel(this.kernels, index, args, args.length, r0, r1) : 0;
    } finally {
      // Even if our slice threw: the workers must be done with this op before anything else touches memory.
      this.awaitWorkers(kernel);
    }
    for (let w = 1; w < this.threads; w++) total += words[LINE_RESULT(w)];
    return total;
  }

  private awaitWorkers(kernel: ParallelKernel): void {
    const { words } = this.views;
    const deadline = performance.now() + OP_TIMEOUT_MS;
    for (let pending = Atomics.load(words, PENDING); pending !== 0; pending = Atomics.load(words, PENDING)) {
      if (!waitWhileEqual(words, PENDING, pending, deadline - performance.now())) {
        throw (this.broken = new Error(`thread pool: ${pending} worker(s) did not finish ${kernel} within ${OP_TIMEOUT_MS / 1000} s; the pool is unusable`));
      }
    }
    const failed = Atomics.load(words, FAILED);
    if (failed !== 0) throw (this.broken = new Error(`thread pool: worker ${failed - 1} failed in ${kernel}: ${failureText(this.views)}; the pool is unusable`));
  }

  /** Tells the workers to leave their loops. */
  stop(): void {
    const { words } = this.views;
    words[KERNEL] = STOP;
    Atomics.add(words, GENERATION, 1);
    Atomics.notify(words, GENERATION);
  }

  gemm(layout: GemmLayout, c: number, a: number, b: number, m: number, k: number, n: number, accumulate: boolean, workspace: GemmWorkspace): void {
    // Each step is complete on every thread before the next starts (run waits for its workers).
    for (const step of gemmSteps(layout, c, a, b, m, k, n, accumulate, workspace)) this.run(step.kernel, step.args, step.extent, step.align, step.work);
  }

  biasForward(y: number, x: number, bias: number, rows: number, cols: number): void {
    this.run("f32_bias_forward_wasmsimd", [y, x, bias, rows, cols], rows, 1, rows * cols * 16);
  }

  biasBackward(dbias: number, dy: number, rows: number, cols: number): void {
    this.run("f32_bias_backward_wasmsimd", [dbias, dy, rows, cols], cols, 4, rows * cols * 16);
  }

  activationForward(kind: Activation, y: number, x: number, n: number): void {
    const kernel = ({ relu: "f32_relu_forward_wasmsimd", square: "f32_square_forward_wasmsimd", tanh: "f32_tanh_forward_scalar", gelu: "f32_gelu_forward_scalar" } as const)[kind];
    this.run(kernel, [y, x], n, 4, n * 16);
  }

  activationBackward(kind: Activation, dx: number, dy: number, x: number, y: number, n: number): void {
    if (kind === "tanh") this.run("f32_tanh_backward_scalar", [dx, dy, y], n, 4, n * 16);
    else this.run(kind === "relu" ? "f32_relu_backward_wasmsimd" : kind === "square" ? "f32_square_backward_wasmsimd" : "f32_gelu_backward_scalar", [dx, dy, x], n, 4, n * 16);
  }

  embeddingForward(out: number, table: number, ids: number, rows: number, dim: number, accumulate: boolean): void {
    this.run("f32_embedding_forward_wasmsimd", [out, table, ids, rows, dim, accumulate ? 1 : 0], rows, 1, rows * dim * 16);
  }

  embeddingBackward(dtable: number, dout: number, ids: number, rows: number, dim: number): void {
    this.run("f32_embedding_backward_wasmsimd", [dtable, dout, ids, rows, dim], dim, 4, rows * dim * 16);
  }

  loss(kind: "cross-entropy" | "mse", dlogits: number, rowLoss: number, logits: number, targets: number, rows: number, cols: number, scale: number): number {
    const kernel = kind === "cross-entropy" ? "f32_softmax_xent_scalar" : "f32_mse_onehot_scalar";
    return this.run(kernel, [dlogits, rowLoss, logits, targets, rows, cols, scale], rows, 1, rows * cols * 64);
  }

  sumSquares(x: number, n: number): number {
    return this.serial.sumSquares(x, n);
  }

  sumF64(x: number, n: number): number {
    return this.serial.sumF64(x, n);
  }

  adamw(params: number, grads: number, m: number, v: number, lr: number, beta1: number, beta2: number, eps: number, weightDecay: number, step: number, n: number): void {
    this.run("f32_adamw_wasmsimd", [params, grads, m, v, lr, beta1, beta2, eps, weightDecay, step], n, 4, n * 16);
  }

  sgd(params: number, grads: number, velocity: number, lr: number, momentum: number, weightDecay: number, n: number): void {
    this.run("f32_sgd_momentum_wasmsimd", [params, grads, velocity, lr, momentum, weightDecay], n, 4, n * 16);
  }

  rescaleToNorm(params: number, sumSquares: number, targetNorm: number, n: number): void {
    this.run("f32_rescale_to_norm_wasmsimd", [params, sumSquares, targetNorm], n, 4, n * 16);
  }

  add(y: number, a: number, b: number, n: number): void {
    this.run("f32_vadd_wasmsimd", [y, a, b], n, 4, n * 16);
  }

  layerNormForward(out: number, mean: number, rstd: number, x: number, gamma: number, beta: number, rows: number, dim: number, eps: number): void {
    this.run("f32_layernorm_forward_scalar", [out, mean, rstd, x, gamma, beta, rows, dim, eps], rows, 1, rows * dim * 16);
  }

  layerNormBackwardInput(dx: number, dout: number, x: number, mean: number, rstd: number, gamma: number, rows: number, dim: number): void {
    this.run("f32_layernorm_backward_input_scalar", [dx, dout, x, mean, rstd, gamma, rows, dim], rows, 1, rows * dim * 16);
  }

  layerNormBackwardParams(dgamma: number, dbeta: number, dout: number, x: number, mean: number, rstd: number, rows: number, dim: number): void {
    this.run("f32_layernorm_backward_params_scalar", [dgamma, dbeta, dout, x, mean, rstd, rows, dim], dim, 1, rows * dim * 16);
  }

  attentionForward(out: number, probs: number, q: number, k: number, v: number, batch: number, seqLen: number, queryLen: number, heads: number, headDim: number): void {
    this.run("f32_attention_forward_scalar", [out, probs, q, k, v, batch, seqLen, queryLen, heads, headDim], batch, 1, batch * heads * queryLen * seqLen * headDim * 4);
  }

  attentionBackward(dq: number, dk: number, dv: number, dout: number, probs: number, q: number, k: number, v: number, batch: number, seqLen: number, queryLen: number, heads: number, headDim: number): void {
    this.run("f32_attention_backward_scalar", [dq, dk, dv, dout, probs, q, k, v, batch, seqLen, queryLen, heads, headDim], batch, 1, batch * heads * queryLen * seqLen * headDim * 8);
  }

  zero(ptr: number, n: number): void {
    this.serial.zero(ptr, n);
  }

  copy(dst: number, src: number, n: number): void {
    this.serial.copy(dst, src, n);
  }
}
