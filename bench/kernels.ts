/**
 * npm run bench:kernels — our kernels against @tensorflow/tfjs-backend-wasm in the same process, single thread.
 * Prints a table and, as its last line, one JSON object.
 */
import { gemm, GEMM_KERNELS, workspaceFloats } from "../src/ops/gemm.js";
import { loadBuild } from "../src/hosts/node/builds.js";
import { tfjsWasmSingleThread } from "./support/tfjs-wasm.js";
import { medianMs, printTable, round } from "./support/timing.js";
import { randomF32 } from "../tests/support/random.js";

/** [m×k]·[k×n] shapes of the reference models' forward and backward matmuls. */
const SHAPES: [number, number, number][] = [
  [3763, 256, 256],
  [3763, 256, 97],
  [11490, 128, 512],
  [512, 512, 512],
];
const LARGE_FLOPS = 2 * 512 * 512 * 512;

const tf = await tfjsWasmSingleThread();
const k = await loadBuild("simd");

/** The probe's best rate over a few runs: a ceiling, so the best sample, where the kernels report medians. */
function probePeakGflops(): number {
  const iterations = 500_000, flops = k.kernels.F32_PEAK_FLOPS_PER_ITERATION.value * iterations;
  let best = 0;
  for (let r = 0; r < 7; r++) best = Math.max(best, flops / medianMs(() => k.kernels.f32_peak_wasmsimd(iterations, 0.999, 0.001), { minMs: 0, minRepeats: 1, warmup: r === 0 ? 2 : 0 }) / 1e6);
  return best;
}

let peakGflops = probePeakGflops();

interface Row { op: string; shape: string; ours_gflops: number; tfjs_gflops: number; ratio: number; efficiency: number; large: boolean }
const rows: Row[] = [];

for (const [m, kk, n] of SHAPES) {
  for (const g of GEMM_KERNELS) {
    const mark = k.arena.mark();
    const aShape: [number, number] = g.transposeA ? [kk, m] : [m, kk];
    const bShape: [number, number] = g.transposeB ? [n, kk] : [kk, n];
    const a = randomF32(m * kk, 1), b = randomF32(kk * n, 2);
    const pa = k.arena.allocF32(a.length), pb = k.arena.allocF32(b.length), pc = k.arena.allocF32(m * n);
    k.arena.f32(pa, a.length).set(a);
    k.arena.f32(pb, b.length).set(b);
    const floats = workspaceFloats(g.layout, m, kk, n), workspace = { ptr: k.arena.allocF32(floats), floats };
    // The copies (packing B, transposing A for Aᵀ·B) are part of every call, as in training.
    const oursMs = medianMs(() => gemm(k.kernels, g.layout, pc, pa, pb, m, kk, n, false, workspace));
    k.arena.release(mark);

    const ta = tf.tensor2d(a, aShape), tb = tf.tensor2d(b, bShape);
    const tfjsMs = medianMs(() => {
      const c = tf.matMul(ta, tb, g.transposeA, g.transposeB);
      c.dataSync();
      c.dispose();
    });
    ta.dispose();
    tb.dispose();

    const flops = 2 * m * kk * n;
    const ours = flops / oursMs / 1e6, theirs = flops / tfjsMs / 1e6;
    rows.push({ op: `${g.layout} ${g.formula}`, shape: `[${aShape.join("×")}]·[${bShape.join("×")}]`, ours_gflops: ours, tfjs_gflops: theirs, ratio: ours / theirs, efficiency: 0, large: flops >= LARGE_FLOPS });
  }
}

// AdamW: one fused pass over a flat parameter buffer, against the same update written with tfjs ops on variables.
const ADAMW_PARAMS = 1 << 20;
const hyper = { lr: 1e-3, beta1: 0.9, beta2: 0.98, eps: 1e-8, weightDecay: 1 };
const adamw = (() => {
  const mark = k.arena.mark();
  const [p, g, m, v] = [0, 1, 2, 3].map(() => k.arena.allocF32(ADAMW_PARAMS));
  k.arena.f32(p, ADAMW_PARAMS).set(randomF32(ADAMW_PARAMS, 5));
  k.arena.f32(g, ADAMW_PARAMS).set(randomF32(ADAMW_PARAMS, 6));
  let step = 0;
  const oursMs = medianMs(() => k.kernels.f32_adamw_wasmsimd(p, g, m, v, hyper.lr, hyper.beta1, hyper.beta2, hyper.eps, hyper.weightDecay, ++step, 0, ADAMW_PARAMS));
  k.arena.release(mark);

  const tp = tf.variable(tf.tensor1d(randomF32(ADAMW_PARAMS, 5))), tg = tf.tensor1d(randomF32(ADAMW_PARAMS, 6));
  const tm = tf.variable(tf.zeros([ADAMW_PARAMS])), tv = tf.variable(tf.zeros([ADAMW_PARAMS]));
  let t = 0;
  const tfjsMs = medianMs(() => {
    t++;
    tf.tidy(() => {
      tm.assign(tf.add(tf.mul(tm, hyper.beta1), tf.mul(tg, 1 - hyper.beta1)));
      tv.assign(tf.add(tf.mul(tv, hyper.beta2), tf.mul(tf.square(tg), 1 - hyper.beta2)));
      const mHat = tf.div(tm, 1 - hyper.beta1 ** t), vHat = tf.div(tv, 1 - hyper.beta2 ** t);
      tp.assign(tf.sub(tf.mul(tp, 1 - hyper.lr * hyper.weightDecay), tf.mul(tf.div(mHat, tf.add(tf.sqrt(vHat), hyper.eps)), hyper.lr)));
    });
    tp.dataSync();
  });
  tf.dispose([tp, tg, tm, tv]);
  return { ours: ADAMW_PARAMS / oursMs * 1e3, tfjs: ADAMW_PARAMS / tfjsMs * 1e3 };
})();

// Probed again after the matmuls, so a quiet moment on this shared machine counts for the ceiling too.
peakGflops = Math.max(peakGflops, probePeakGflops());
for (const r of rows) r.efficiency = r.ours_gflops / peakGflops;

console.log(`wasm SIMD peak probe (independent f32x4 mul+add chains): ${peakGflops.toFixed(2)} GFLOP/s`);
printTable(
  ["op", "shape (as stored)", "ours GFLOP/s", "tfjs-wasm GFLOP/s", "ratio", "efficiency"],
  rows.map((r) => [r.op, r.shape, r.ours_gflops, r.tfjs_gflops, r.ratio, r.efficiency]),
);
console.log();
printTable(["optimizer", "parameters", "ours params/s", "tfjs-wasm params/s", "ratio"], [["AdamW", String(ADAMW_PARAMS), adamw.ours, adamw.tfjs, adamw.ours / adamw.tfjs]]);
console.log(JSON.stringify({
  peak_gflops: round(peakGflops),
  kernels: rows.map((r) => ({ op: r.op, shape: r.shape, ours_gflops: round(r.ours_gflops), tfjs_gflops: round(r.tfjs_gflops), ratio: round(r.ratio), efficiency: round(r.efficiency) })),
  adamw: { params: ADAMW_PARAMS, ours_params_per_s: Math.round(adamw.ours), tfjs_params_per_s: Math.round(adamw.tfjs), ratio: round(adamw.ours / adamw.tfjs) },
}));
