/**
 * One invocation of every kernel on fixed inputs of awkward sizes, returning the bytes it wrote.
 * The cross-build test runs these on each build and compares the bytes.
 */
import type { KernelInstance } from "../../src/wasm/loader.js";
import { gemm, GEMM_KERNELS, workspaceFloats } from "../../src/ops/gemm.js";
import { putF32, putI32, scoped } from "./kernels.js";
import { randomF32 } from "./random.js";

export interface KernelCase {
  name: string;
  run(k: KernelInstance): Uint8Array;
}

/** Output bytes of `length` f32 (or f64 with `bytesPer` 8) values at `ptr`, plus any returned number. */
function bytesOf(k: KernelInstance, ptr: number, length: number, bytesPer = 4, returned?: number): Uint8Array {
  const out = k.arena.bytes(ptr, length * bytesPer).slice();
  if (returned === undefined) return out;
  const tail = new Uint8Array(new Float64Array([returned]).buffer);
  const both = new Uint8Array(out.length + 8);
  both.set(out);
  both.set(tail, out.length);
  return both;
}

// Accumulating and not (each starts its tiles differently); k = 600 crosses the k-chunk of 512.
const gemmCases: KernelCase[] = GEMM_KERNELS.flatMap((g) =>
  ([[113, 257, 97, true], [5, 7, 3, true], [37, 61, 43, false], [113, 257, 97, false], [37, 600, 43, true], [37, 600, 43, false]] as const).map(([m, kk, n, accumulate]) => ({
    name: `gemm ${g.layout} ${m}×${kk}×${n}${accumulate ? " accumulate" : ""}`,
    run: (k: KernelInstance) =>
      scoped(k, () => {
        const c = putF32(k, randomF32(m * n, 3));
        const floats = workspaceFloats(g.layout, m, kk, n);
        gemm(k.kernels, g.layout, c, putF32(k, randomF32(m * kk, 1)), putF32(k, randomF32(kk * n, 2)), m, kk, n, accumulate, { ptr: k.arena.allocF32(floats), floats });
        return bytesOf(k, c, m * n);
      }),
  })),
);

/** Our math functions on a spread of arguments, including ones near the edges of their ranges. */
const mathCases: KernelCase[] = (["f64_exp", "f64_expm1", "f64_log", "f64_tanh"] as const).map((name) => ({
  name: `${name} on 4096 arguments`,
  run: (k: KernelInstance) => {
    const xs = Array.from(randomF32(4096, 7, 1)).map((u, i) => (name === "f64_log" ? Math.abs(u) * 10 ** ((i % 40) - 20) : u * 10 ** ((i % 6) - 2) * 7));
    return new Uint8Array(new Float64Array(xs.map((x) => k.kernels[name](x))).buffer);
  },
}));

const N = 257;
const elementwiseCases: KernelCase[] = (
  [
    ["f32_tanh_forward_scalar", (k: KernelInstance, out: number, x: number) => k.kernels.f32_tanh_forward_scalar(out, x, 0, N)],
    ["f32_tanh_backward_scalar", (k: KernelInstance, out: number, x: number, dy: number) => k.kernels.f32_tanh_backward_scalar(out, dy, x, 0, N)],
    ["f32_gelu_forward_scalar", (k: KernelInstance, out: number, x: number) => k.kernels.f32_gelu_forward_scalar(out, x, 0, N)],
    ["f32_gelu_backward_scalar", (k: KernelInstance, out: number, x: number, dy: number) => k.kernels.f32_gelu_backward_scalar(out, dy, x, 0, N)],
    ["f32_vadd_wasmsimd", (k: KernelInstance, out: number, x: number, dy: number) => k.kernels.f32_vadd_wasmsimd(out, x, dy, 0, N)],
    ["f32_relu_forward_wasmsimd", (k: KernelInstance, out: number, x: number) => k.kernels.f32_relu_forward_wasmsimd(out, x, 0, N)],
    ["f32_relu_backward_wasmsimd", (k: KernelInstance, out: number, x: number, dy: number) => k.kernels.f32_relu_backward_wasmsimd(out, dy, x, 0, N)],
    ["f32_square_forward_wasmsimd", (k: KernelInstance, out: number, x: number) => k.kernels.f32_square_forward_wasmsimd(out, x, 0, N)],
    ["f32_square_backward_wasmsimd", (k: KernelInstance, out: number, x: number, dy: number) => k.kernels.f32_square_backward_wasmsimd(out, dy, x, 0, N)],
  ] as const
).map(([name, call]) => ({
  name: `${name} on ${N} elements`,
  run: (k: KernelInstance) =>
    scoped(k, () => {
      const out = k.arena.allocF32(N);
      call(k, out, putF32(k, randomF32(N, 8, 4)), putF32(k, randomF32(N, 9)));
      return bytesOf(k, out, N);
    }),
}));

const [ROWS, COLS] = [113, 97];
const lossCases: KernelCase[] = (["f32_softmax_xent_wasmsimd", "f32_mse_onehot_scalar"] as const).flatMap((name) =>
  [true, false].map((withGradient) => ({
    name: `${name} ${ROWS}×${COLS}${withGradient ? "" : " (evaluation: no gradient)"}`,
    run: (k: KernelInstance) =>
      scoped(k, () => {
        const grad = withGradient ? k.arena.allocF32(ROWS * COLS) : 0, rowLoss = k.arena.alloc(ROWS * 8);
        const targets = putI32(k, Array.from({ length: ROWS }, (_, i) => (i * 31) % COLS));
        const correct = k.kernels[name](grad, rowLoss, putF32(k, randomF32(ROWS * COLS, 10, 8)), targets, ROWS, COLS, 1 / ROWS, 0, ROWS);
        return new Uint8Array([...(withGradient ? bytesOf(k, grad, ROWS * COLS) : []), ...bytesOf(k, rowLoss, ROWS, 8, correct)]);
      }),
  })),
);

const [VOCAB, DIM] = [13, 97];
const ids = Array.from({ length: ROWS }, (_, i) => (i * 7) % VOCAB);
const layerCases: KernelCase[] = [
  {
    name: `f32_bias_forward_wasmsimd and backward ${ROWS}×${COLS}`,
    run: (k) =>
      scoped(k, () => {
        const y = k.arena.allocF32(ROWS * COLS), dbias = putF32(k, randomF32(COLS, 11));
        k.kernels.f32_bias_forward_wasmsimd(y, putF32(k, randomF32(ROWS * COLS, 12)), putF32(k, randomF32(COLS, 13)), ROWS, COLS, 0, ROWS);
        k.kernels.f32_bias_backward_wasmsimd(dbias, y, ROWS, COLS, 0, COLS);
        return new Uint8Array([...bytesOf(k, y, ROWS * COLS), ...bytesOf(k, dbias, COLS)]);
      }),
  },
  {
    name: `f32_embedding_forward_wasmsimd and backward ${ROWS} ids into ${VOCAB}×${DIM}`,
    run: (k) =>
      scoped(k, () => {
        const out = k.arena.allocF32(ROWS * DIM), dtable = putF32(k, randomF32(VOCAB * DIM, 14)), pids = putI32(k, ids);
        k.kernels.f32_embedding_forward_wasmsimd(out, putF32(k, randomF32(VOCAB * DIM, 15)), pids, ROWS, DIM, false, 0, ROWS);
        k.kernels.f32_embedding_forward_wasmsimd(out, putF32(k, randomF32(VOCAB * DIM, 19)), pids, ROWS, DIM, true, 0, ROWS);
        k.kernels.f32_embedding_backward_wasmsimd(dtable, out, pids, ROWS, DIM, 0, DIM);
        return new Uint8Array([...bytesOf(k, out, ROWS * DIM), ...bytesOf(k, dtable, VOCAB * DIM)]);
      }),
  },
  {
    name: "f32_sumsq_wasmsimd, f64_sum_scalar and f32_argmax_count_scalar",
    run: (k) =>
      scoped(k, () => {
        const x = putF32(k, randomF32(ROWS * COLS, 16));
        const sums = [k.kernels.f32_sumsq_wasmsimd(x, ROWS * COLS), k.kernels.f64_sum_scalar(x, (ROWS * COLS) >> 1)];
        sums.push(k.kernels.f32_argmax_count_scalar(x, putI32(k, ids), ROWS, COLS, 0, ROWS));
        return new Uint8Array(new Float64Array(sums).buffer);
      }),
  },
];

const P = 1031;
/** Five steps of each optimiser, then the norm constraint, on one parameter buffer. */
const optimizerCases: KernelCase[] = [
  {
    name: `f32_adamw_wasmsimd, f32_sgd_momentum_wasmsimd and f32_rescale_to_norm_wasmsimd on ${P} parameters`,
    run: (k) =>
      scoped(k, () => {
        const p = putF32(k, randomF32(P, 17)), g = putF32(k, randomF32(P, 18));
        const m = putF32(k, new Float32Array(P)), v = putF32(k, new Float32Array(P)), velocity = putF32(k, new Float32Array(P));
        for (let t = 1; t <= 5; t++) {
          k.kernels.f32_adamw_wasmsimd(p, g, m, v, 1e-3, 0.9, 0.98, 1e-8, 1, t, 0, P);
          k.kernels.f32_sgd_momentum_wasmsimd(p, g, velocity, 1e-2, 0.9, 5e-4, 0, P);
        }
        k.kernels.f32_rescale_to_norm_wasmsimd(p, k.kernels.f32_sumsq_wasmsimd(p, P), 10, 0, P);
        return new Uint8Array([...bytesOf(k, p, P), ...bytesOf(k, m, P), ...bytesOf(k, v, P), ...bytesOf(k, velocity, P)]);
      }),
  },
];

/** Attention (5 tokens, read-out everywhere and at the last position) and LayerNorm, forward then backward. */
const transformerCases: KernelCase[] = [
  ...[5, 1].map((queryLen) => ({
    name: `f32_attention_forward_scalar and backward 13×5 tokens, queryLen ${queryLen}, 4 heads of 7`,
    run: (k: KernelInstance) =>
      scoped(k, () => {
        const [B, T, H, D] = [13, 5, 4, 7];
        const nq = B * queryLen * H * D, nkv = B * T * H * D, np = B * H * queryLen * T;
        const out = k.arena.allocF32(nq), probs = k.arena.allocF32(np);
        const dq = k.arena.allocF32(nq), dk = k.arena.allocF32(nkv), dv = k.arena.allocF32(nkv);
        const q = putF32(k, randomF32(nq, 20, 3)), kk = putF32(k, randomF32(nkv, 21, 3)), v = putF32(k, randomF32(nkv, 22));
        k.kernels.f32_attention_forward_scalar(out, probs, q, kk, v, B, T, queryLen, H, D, 0, B);
        k.kernels.f32_attention_backward_scalar(dq, dk, dv, putF32(k, randomF32(nq, 23)), probs, q, kk, v, B, T, queryLen, H, D, 0, B);
        return new Uint8Array([...bytesOf(k, out, nq), ...bytesOf(k, probs, np), ...bytesOf(k, dq, nq), ...bytesOf(k, dk, nkv), ...bytesOf(k, dv, nkv)]);
      }),
  })),
  {
    name: `f32_layernorm_forward_scalar, backward_input and backward_params ${ROWS}×${COLS}`,
    run: (k) =>
      scoped(k, () => {
        const out = k.arena.allocF32(ROWS * COLS), mean = k.arena.allocF32(ROWS), rstd = k.arena.allocF32(ROWS), dx = k.arena.allocF32(ROWS * COLS);
        const x = putF32(k, randomF32(ROWS * COLS, 24, 5)), gamma = putF32(k, randomF32(COLS, 25, 2)), dout = putF32(k, randomF32(ROWS * COLS, 26));
        const dgamma = putF32(k, randomF32(COLS, 27)), dbeta = putF32(k, randomF32(COLS, 28));
        k.kernels.f32_layernorm_forward_scalar(out, mean, rstd, x, gamma, putF32(k, randomF32(COLS, 29)), ROWS, COLS, 1e-5, 0, ROWS);
        k.kernels.f32_layernorm_backward_input_scalar(dx, dout, x, mean, rstd, gamma, ROWS, COLS, 0, ROWS);
        k.kernels.f32_layernorm_backward_params_scalar(dgamma, dbeta, dout, x, mean, rstd, ROWS, COLS, 0, COLS);
        return new Uint8Array([...bytesOf(k, out, ROWS * COLS), ...bytesOf(k, mean, ROWS), ...bytesOf(k, rstd, ROWS), ...bytesOf(k, dx, ROWS * COLS), ...bytesOf(k, dgamma, COLS), ...bytesOf(k, dbeta, COLS)]);
      }),
  },
];

export const KERNEL_CASES: KernelCase[] = [...gemmCases, ...mathCases, ...elementwiseCases, ...lossCases, ...layerCases, ...optimizerCases, ...transformerCases];
