/**
 * npm run bench:kernels [-- --rounds N] [-- --burst-ms MS] [-- --clock cpu|wall] [-- --rows nn,3763x256x97,adamw] [-- --kernels other/simd.wasm] — our
 * kernels against @tensorflow/tfjs-backend-wasm in the same process, single thread, and against this
 * machine's wasm SIMD ceiling (assembly/probe/f32-peak-wasmsimd.ts).
 *
 * The machine is shared and noisy, so nothing is timed once: the run makes N rounds, and in each round
 * every row runs short bursts back to back — the peak probe, then ours, then tfjs — so a noisy moment
 * hits all three. A row reports, over the rounds, the median and range of each rate, and its
 * efficiency ours/probe taken within each round (ours in round r over the probe in round r).
 * Bursts are timed on this process's CPU time by default (`--clock wall` for elapsed time): time the
 * scheduler gives other processes is then not counted, which on a busy 2-core machine is most of the noise.
 * `--kernels` benchmarks another simd build (a saved baseline, say) instead of build/simd.wasm.
 * `--rows` keeps the rows whose key (`nt 3763x256x97`, `adamw`) contains one of the comma-separated words.
 * Prints a table and, as its last line, one JSON object.
 */
import { readFile } from "node:fs/promises";
import { parseArgs } from "node:util";
import { gemm, GEMM_KERNELS, workspaceFloats } from "../src/ops/gemm.js";
import { loadBuild } from "../src/hosts/node/builds.js";
import { loadKernels } from "../src/wasm/loader.js";
import { Rng } from "../src/engine/random.js";
import { tfjsWasmSingleThread } from "./support/tfjs-wasm.js";
import { burstMs, formatSpread, printTable, round, roundSpread, spread, type Clock, type Spread } from "./support/timing.js";

const { values: options } = parseArgs({
  options: {
    rounds: { type: "string", default: "9" },
    "burst-ms": { type: "string", default: "100" },
    clock: { type: "string", default: "cpu" },
    rows: { type: "string" },
    kernels: { type: "string" },
  },
});
const ROUNDS = Number(options.rounds), BURST_MS = Number(options["burst-ms"]);
if (!Number.isInteger(ROUNDS) || ROUNDS < 1) throw new Error(`--rounds must be a positive integer, got ${options.rounds}`);
if (!(BURST_MS > 0)) throw new Error(`--burst-ms must be a positive number, got ${options["burst-ms"]}`);
if (options.clock !== "cpu" && options.clock !== "wall") throw new Error(`--clock must be cpu or wall, got ${options.clock}`);
const CLOCK: Clock = options.clock;
const filters = options.rows?.split(",").map((w) => w.trim()).filter(Boolean);
const wanted = (key: string) => !filters || filters.some((w) => key.includes(w));

/** [m, k, n] of [m×k]·[k×n]: the reference models' forward and backward matmuls, and one shape odd in every dimension. */
const SHAPES: [number, number, number][] = [
  [3763, 256, 256],
  [3763, 256, 97],
  [11490, 128, 512],
  [512, 512, 512],
  [113, 257, 97],
];

const tf = await tfjsWasmSingleThread();
const k = options.kernels ? await loadKernels(await readFile(options.kernels)) : await loadBuild("simd");
if (k.build !== "simd") throw new Error(`--kernels ${options.kernels}: not a simd (single-thread) build`);
const rng = new Rng(1);
/** N(0, 1) data from the engine's own seeded generator. */
const normal = (n: number): Float32Array => {
  const out = new Float32Array(n);
  rng.fillNormal(out, 1, k.kernels.f64_log);
  return out;
};

const PROBE_ITERATIONS = 100_000;
const PROBE_FLOPS = k.kernels.F32_PEAK_FLOPS_PER_ITERATION.value * PROBE_ITERATIONS;
const probe = () => k.kernels.f32_peak_wasmsimd(PROBE_ITERATIONS, 0.999, 0.001);

interface MatmulRow {
  key: string;
  op: string;
  shape: string;
  flops: number;
  ours: () => void;
  tfjs: () => void;
  /** Per round: GFLOP/s of ours, tfjs and the probe just before them. */
  oursGflops: number[];
  tfjsGflops: number[];
  probeGflops: number[];
}

const rows: MatmulRow[] = [];
for (const [m, kk, n] of SHAPES) {
  const layouts = GEMM_KERNELS.filter((g) => wanted(`${g.layout} ${m}x${kk}x${n}`));
  if (layouts.length === 0) continue;
  // One A, B, C and workspace per shape, shared by its layouts: a stored k×m A holds as many floats as an m×k one.
  const a = normal(m * kk), b = normal(kk * n);
  const pa = k.arena.allocF32(a.length), pb = k.arena.allocF32(b.length), pc = k.arena.allocF32(m * n);
  k.arena.f32(pa, a.length).set(a);
  k.arena.f32(pb, b.length).set(b);
  const floats = Math.max(...layouts.map((g) => workspaceFloats(g.layout, m, kk, n)));
  const workspace = { ptr: k.arena.allocF32(floats), floats };
  for (const g of layouts) {
    const aShape: [number, number] = g.transposeA ? [kk, m] : [m, kk];
    const bShape: [number, number] = g.transposeB ? [n, kk] : [kk, n];
    const ta = tf.tensor2d(a, aShape), tb = tf.tensor2d(b, bShape);
    rows.push({
      key: `${g.layout} ${m}x${kk}x${n}`,
      op: `${g.layout} ${g.formula}`,
      shape: `[${aShape.join("×")}]·[${bShape.join("×")}]`,
      flops: 2 * m * kk * n,
      // The copies (packing B, transposing A for Aᵀ·B) are part of every call, as in training.
      ours: () => gemm(k.kernels, g.layout, pc, pa, pb, m, kk, n, false, workspace),
      tfjs: () => {
        const c = tf.matMul(ta, tb, g.transposeA, g.transposeB);
        c.dataSync();
        c.dispose();
      },
      oursGflops: [],
      tfjsGflops: [],
      probeGflops: [],
    });
  }
}

// AdamW: one fused pass over a flat parameter buffer, against the same update written with tfjs ops on variables.
const ADAMW_PARAMS = 1 << 20;
const hyper = { lr: 1e-3, beta1: 0.9, beta2: 0.98, eps: 1e-8, weightDecay: 1 };
const adamw = wanted("adamw")
  ? (() => {
      const p0 = normal(ADAMW_PARAMS), g0 = normal(ADAMW_PARAMS);
      const [p, g, m, v] = [0, 1, 2, 3].map(() => k.arena.allocF32(ADAMW_PARAMS));
      k.arena.f32(p, ADAMW_PARAMS).set(p0);
      k.arena.f32(g, ADAMW_PARAMS).set(g0);
      let step = 0;
      const tp = tf.variable(tf.tensor1d(p0)), tg = tf.tensor1d(g0);
      const tm = tf.variable(tf.zeros([ADAMW_PARAMS])), tv = tf.variable(tf.zeros([ADAMW_PARAMS]));
      let t = 0;
      return {
        ours: () => k.kernels.f32_adamw_wasmsimd(p, g, m, v, hyper.lr, hyper.beta1, hyper.beta2, hyper.eps, hyper.weightDecay, ++step, 0, ADAMW_PARAMS),
        tfjs: () => {
          t++;
          tf.tidy(() => {
            tm.assign(tf.add(tf.mul(tm, hyper.beta1), tf.mul(tg, 1 - hyper.beta1)));
            tv.assign(tf.add(tf.mul(tv, hyper.beta2), tf.mul(tf.square(tg), 1 - hyper.beta2)));
            const mHat = tf.div(tm, 1 - hyper.beta1 ** t), vHat = tf.div(tv, 1 - hyper.beta2 ** t);
            tp.assign(tf.sub(tf.mul(tp, 1 - hyper.lr * hyper.weightDecay), tf.mul(tf.div(mHat, tf.add(tf.sqrt(vHat), hyper.eps)), hyper.lr)));
          });
          tp.dataSync();
        },
        /** Per round, parameters per second. */
        oursRate: [] as number[],
        tfjsRate: [] as number[],
      };
    })()
  : null;

// Warm-up (tiers up every body in V8 and the tfjs kernels), then the rounds.
for (let i = 0; i < 2; i++) {
  probe();
  for (const r of rows) (r.ours(), r.tfjs());
  if (adamw) (adamw.ours(), adamw.tfjs());
}
const started = performance.now();
for (let round = 0; round < ROUNDS; round++) {
  for (const r of rows) {
    r.probeGflops.push(PROBE_FLOPS / burstMs(probe, BURST_MS, { clock: CLOCK }) / 1e6);
    r.oursGflops.push(r.flops / burstMs(r.ours, BURST_MS, { clock: CLOCK }) / 1e6);
    // One call may outlast the burst: tfjs-wasm's transposed matmuls run at ~1 GFLOP/s.
    r.tfjsGflops.push(r.flops / burstMs(r.tfjs, BURST_MS, { clock: CLOCK, minCalls: 1 }) / 1e6);
  }
  if (adamw) {
    adamw.oursRate.push((ADAMW_PARAMS / burstMs(adamw.ours, BURST_MS, { clock: CLOCK })) * 1e3);
    adamw.tfjsRate.push((ADAMW_PARAMS / burstMs(adamw.tfjs, BURST_MS, { clock: CLOCK })) * 1e3);
  }
  process.stderr.write(`round ${round + 1}/${ROUNDS} (${((performance.now() - started) / 1e3).toFixed(0)} s)\n`);
}

const perRound = (x: number[], y: number[]) => x.map((v, i) => v / y[i]);
const results = rows.map((r) => ({
  op: r.op,
  shape: r.shape,
  ours: spread(r.oursGflops),
  tfjs: spread(r.tfjsGflops),
  ratio: spread(perRound(r.oursGflops, r.tfjsGflops)),
  efficiency: spread(perRound(r.oursGflops, r.probeGflops)),
}));
const probeAll = spread(rows.flatMap((r) => r.probeGflops));
const adamwResult = adamw && { ours: spread(adamw.oursRate), tfjs: spread(adamw.tfjsRate), ratio: spread(perRound(adamw.oursRate, adamw.tfjsRate)) };

if (options.kernels) console.log(`kernels: ${options.kernels}`);
console.log(`${ROUNDS} rounds of ${BURST_MS} ms bursts on the ${CLOCK === "cpu" ? "process CPU" : "wall"} clock (probe → ours → tfjs per row); median (min–max) over rounds; efficiency = ours / probe of the same round`);
if (rows.length) {
  console.log(`wasm SIMD peak probe (independent f32x4 mul+add chains): ${formatSpread(probeAll)} GFLOP/s`);
  printTable(
    ["op", "shape (as stored)", "ours GFLOP/s", "tfjs-wasm GFLOP/s", "ratio", "efficiency"],
    results.map((r) => [r.op, r.shape, formatSpread(r.ours), formatSpread(r.tfjs), formatSpread(r.ratio), formatSpread(r.efficiency)]),
  );
}
if (adamwResult) {
  console.log();
  printTable(["optimizer", "parameters", "ours params/s", "tfjs-wasm params/s", "ratio"], [["AdamW", String(ADAMW_PARAMS), formatSpread(adamwResult.ours), formatSpread(adamwResult.tfjs), formatSpread(adamwResult.ratio)]]);
}
const rateSpread = (s: Spread): Spread => ({ median: Math.round(s.median), min: Math.round(s.min), max: Math.round(s.max) });
console.log(JSON.stringify({
  rounds: ROUNDS,
  burst_ms: BURST_MS,
  clock: CLOCK,
  ...(options.kernels ? { kernels_file: options.kernels } : {}),
  peak_gflops: roundSpread(probeAll),
  kernels: results.map((r) => ({ op: r.op, shape: r.shape, ours_gflops: roundSpread(r.ours), tfjs_gflops: roundSpread(r.tfjs), ratio: roundSpread(r.ratio), efficiency: roundSpread(r.efficiency) })),
  adamw: adamwResult && { params: ADAMW_PARAMS, ours_params_per_s: rateSpread(adamwResult.ours), tfjs_params_per_s: rateSpread(adamwResult.tfjs), ratio: roundSpread(adamwResult.ratio) },
}));
