/**
 * The conformance cases of `Ops` (src/ops/ops.ts): every op on odd shapes, each run by every host
 * (conformance.test.ts: Node's serial and pools; tests/browser/ops-conformance.test.ts: Chromium's
 * pools and single-thread build). Browser-safe: no node: imports, no vitest.
 *
 * A case allocates deterministic inputs (tests/support/random.ts's mulberry32) in the host's arena,
 * runs its op, and returns copies of every buffer the op writes, keyed `<shape>/<buffer>` (and the
 * op's return value, a number). Scratch (scratch.ts) frees the memory and fails the case if the op
 * wrote outside its outputs.
 *
 * Each case also has a float64 reference, written from the formulas the kernel list documents
 * (src/wasm/kernels.ts) in plain JS loops, and not from the kernels: it returns, per output, the
 * exact value (`want`) and an error bound (`err`, absolute, per element or one for all) that the
 * case's `tolerance` justifies. u = 2⁻²⁴ is the unit roundoff of f32 (one rounding to nearest
 * moves a value by at most u·|value|); 2⁻⁵³ that of f64. An `err` of 0 means exact: the check then
 * compares with Object.is, so the sign of a zero counts.
 *
 * Shapes: 1, 3, 5 (below and across the 4-lane SIMD tiles and the 4×8 matmul tile), 97, 113, 257
 * (prime, so every tile and slice has a remainder) and, in every case, one shape whose kernel calls
 * all carry work ≥ PARALLEL_MIN_WORK (2¹⁸, src/ops/pool/pool-executor.ts) over an extent of at
 * least 4 aligned units, so a pool of up to 4 threads really splits every call; its `parallel`
 * text names it, and conformance.test.ts checks the claim from the recorded plans. Ops that never
 * split (whole reductions, memory traffic) say so in `neverSplits` and still get one large size.
 */
import type { KernelInstance } from "../../../src/wasm/loader.js";
import type { Ops } from "../../../src/ops/ops.js";
import { workspaceFloats, type GemmLayout } from "../../../src/ops/gemm.js";
import { ACTIVATIONS, LOSSES, type Activation, type Loss } from "../../../src/ops/kinds.js";
import { mulberry32, randomF32 } from "../../support/random.js";
import { withScratch, type Scratch } from "./scratch.js";

/** The methods of Ops. */
export type OpName = { [K in keyof Ops]: Ops[K] extends (...args: never[]) => unknown ? K : never }[keyof Ops];

export type OutputValue = Float32Array | Float64Array | number;
export type Outputs = Record<string, OutputValue>;

/** An output's exact value and the absolute error allowed (per element, or one bound for all). */
export interface Expected {
  want: ArrayLike<number> | number;
  err: ArrayLike<number> | number;
}
export type Expectations = Record<string, Expected>;

export interface OpCase {
  readonly name: string;
  /** The Ops method the case exercises (it must call that one and no other). */
  readonly op: OpName;
  /** Why the reference's error bounds are what they are. */
  readonly tolerance: string;
  /** The shape that crosses the pool's threshold, or why the op never splits. */
  readonly parallel: string;
  /** Set when the op makes no split calls at all (a whole reduction, or memory traffic). */
  readonly neverSplits?: true;
  /** The case's inputs: plain arrays, the same on every call. */
  inputs(): unknown;
  /** Runs the op on `k`'s arena with `ops` (whose executor runs on `k`); outputs are copies. */
  run(k: KernelInstance, ops: Ops): { outputs: Outputs };
  /** The float64 reference of every output, from `inputs()`. */
  reference(inputs: unknown): Expectations;
}

interface CaseSpec<I> {
  name: string;
  op: OpName;
  tolerance: string;
  parallel: string;
  neverSplits?: true;
  inputs: () => I;
  exec: (s: Scratch, ops: Ops, inputs: I) => Outputs;
  reference: (inputs: I) => Expectations;
}

function defineCase<I>(spec: CaseSpec<I>): OpCase {
  let memo: I | undefined;
  const inputs = () => (memo ??= spec.inputs());
  return {
    name: spec.name,
    op: spec.op,
    tolerance: spec.tolerance,
    parallel: spec.parallel,
    ...(spec.neverSplits ? { neverSplits: true as const } : {}),
    inputs,
    run: (k, ops) => ({ outputs: withScratch(k, (s) => spec.exec(s, ops, inputs())) }),
    reference: (i) => spec.reference(i as I),
  };
}

// ---------------------------------------------------------------------------------------------
// Deterministic inputs and error arithmetic.

/** f32 unit roundoff. */
const U = 2 ** -24;
/** f64 unit roundoff. */
const U64 = 2 ** -53;

/** FNV-1a of a tag: each buffer of each shape of each case gets its own stream. */
function seedOf(tag: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < tag.length; i++) h = Math.imul(h ^ tag.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

/** n f32 values uniform in [−scale, scale). */
const rand = (tag: string, n: number, scale = 1): Float32Array => randomF32(n, seedOf(tag), scale);

/** n integers uniform in [0, below). */
function ints(tag: string, n: number, below: number): Int32Array {
  const next = mulberry32(seedOf(tag));
  return Int32Array.from({ length: n }, () => Math.floor(next() * below));
}

const abs = Math.abs;
const f32 = Math.fround;

/**
 * A value with its first-order forward error bound, for references of multi-step f32 formulas
 * (the optimisers): each f32 operation of the kernel adds u·|result| to what its operands bring.
 */
type Ev = readonly [value: number, err: number];
const exact = (v: number): Ev => [v, 0];
/** An f64 quantity the kernel rounds to f32 once (a hyper-parameter, a per-call factor). */
const rounded = (v: number): Ev => [v, U * abs(v)];
const mul = ([a, ea]: Ev, [b, eb]: Ev): Ev => [a * b, abs(a) * eb + abs(b) * ea + U * abs(a * b)];
const add = ([a, ea]: Ev, [b, eb]: Ev): Ev => [a + b, ea + eb + U * abs(a + b)];
const sub = ([a, ea]: Ev, [b, eb]: Ev): Ev => [a - b, ea + eb + U * abs(a - b)];
const div = ([a, ea]: Ev, [b, eb]: Ev): Ev => [a / b, (ea + abs(a / b) * eb) / abs(b) + U * abs(a / b)];
const sqrt = ([a, ea]: Ev): Ev => {
  const v = Math.sqrt(a);
  return [v, (v > 0 ? ea / (2 * v) : Math.sqrt(ea)) + U * v];
};

/** Per-element arrays of want and err for `n` outputs. */
function expectArrays(n: number): { want: Float64Array; err: Float64Array } {
  return { want: new Float64Array(n), err: new Float64Array(n) };
}

/** The sizes of the elementwise cases; 20011 (prime) × 16 work per element passes 2¹⁸. */
const SIZES = [1, 3, 5, 97, 113, 257, 20011] as const;
const BIG_ELEMENTWISE = "n = 20011: work 20011·16 = 320,176 ≥ 2¹⁸ over 5003 aligned units";

// ---------------------------------------------------------------------------------------------
// gemm: every layout, accumulating or not.

// 7×513×9 and 131×521×67 run k past the micro-kernel's k chunk (512 steps); 131×521×67 crosses the
// pool's threshold in every step: pack k·n·16 = 558,512 (9 panels), transpose m·k·16 = 1,092,112
// (tn; 33 units of 4 rows), multiply m·k·n = 4,573,217 (33 units of 4 rows).
const GEMM_SHAPES = [
  [1, 1, 1],
  [3, 5, 7],
  [5, 3, 1],
  [4, 8, 8],
  [7, 513, 9],
  [131, 521, 67],
] as const;

function gemmCase(layout: GemmLayout, accumulate: boolean): OpCase {
  const tag = `gemm ${layout}${accumulate ? " accumulate" : ""}`;
  return defineCase({
    name: tag,
    op: "gemm",
    tolerance:
      "each C element is C₀ (accumulate) or 0 plus k products, each product and add rounded to f32 once: " +
      "|ΔC| ≤ (k+2)·u·(|C₀| + Σ_p |A_ip·B_pj|), the standard bound of recursive summation",
    parallel: "131×521×67: pack 558,512, transpose 1,092,112 (tn), multiply 4,573,217 work, all ≥ 2¹⁸",
    inputs: () =>
      GEMM_SHAPES.map(([m, k, n]) => {
        const t = `${tag} ${m}x${k}x${n}`;
        return { m, k, n, key: `${m}x${k}x${n}`, a: rand(`${t} a`, m * k), b: rand(`${t} b`, k * n), c0: rand(`${t} c`, m * n, 2) };
      }),
    exec: (s, ops, shapes) => {
      const out: Outputs = {};
      for (const { m, k, n, key, a, b, c0 } of shapes) {
        const pa = s.inF32(a, "A"), pb = s.inF32(b, "B"), pc = s.outF32(c0, "C");
        const floats = workspaceFloats(layout, m, k, n);
        // The workspace is scratch (its A blocks depend on the thread split): guarded, never compared.
        const ws = s.outF32(floats, "workspace");
        ops.gemm(layout, pc, pa, pb, m, k, n, accumulate, { ptr: ws, floats });
        out[`${key}/c`] = s.f32(pc, m * n);
      }
      return out;
    },
    reference: (shapes) => {
      const r: Expectations = {};
      for (const { m, k, n, key, a, b, c0 } of shapes) {
        const { want, err } = expectArrays(m * n);
        const A = layout === "tn" ? (i: number, p: number) => a[p * m + i] : (i: number, p: number) => a[i * k + p];
        const B = layout === "nt" ? (p: number, j: number) => b[j * k + p] : (p: number, j: number) => b[p * n + j];
        for (let i = 0; i < m; i++) {
          for (let j = 0; j < n; j++) {
            let sum = accumulate ? c0[i * n + j] : 0;
            let mag = abs(sum);
            for (let p = 0; p < k; p++) {
              const t = A(i, p) * B(p, j);
              sum += t;
              mag += abs(t);
            }
            want[i * n + j] = sum;
            err[i * n + j] = (k + 2) * U * mag;
          }
        }
        r[`${key}/c`] = { want, err };
      }
      return r;
    },
  });
}

// ---------------------------------------------------------------------------------------------
// bias

// 257×113: work 257·113·16 = 464,656 ≥ 2¹⁸; forward splits 257 rows, backward 29 units of 4 columns.
const BIAS_SHAPES = [
  [1, 1],
  [3, 5],
  [5, 3],
  [7, 97],
  [97, 113],
  [257, 113],
] as const;

const biasForward = defineCase({
  name: "biasForward",
  op: "biasForward",
  tolerance: "y = x + bias[j] is one f32 add: |Δy| ≤ u·|y|",
  parallel: "257×113 (and 257×113 with y = x): work 464,656 ≥ 2¹⁸, 257 rows",
  inputs: () =>
    [...BIAS_SHAPES.map(([rows, cols]) => ({ rows, cols, alias: false })), { rows: 257, cols: 113, alias: true }].map(({ rows, cols, alias }) => {
      const key = `${rows}x${cols}${alias ? " y=x" : ""}`;
      return { rows, cols, alias, key, x: rand(`bias fwd ${key} x`, rows * cols, 2), bias: rand(`bias fwd ${key} b`, cols) };
    }),
  exec: (s, ops, shapes) => {
    const out: Outputs = {};
    for (const { rows, cols, alias, key, x, bias } of shapes) {
      const px = alias ? s.outF32(x, "x = y") : s.inF32(x, "x");
      const py = alias ? px : s.outF32(rows * cols, "y");
      ops.biasForward(py, px, s.inF32(bias, "bias"), rows, cols);
      out[`${key}/y`] = s.f32(py, rows * cols);
    }
    return out;
  },
  reference: (shapes) => {
    const r: Expectations = {};
    for (const { rows, cols, key, x, bias } of shapes) {
      const { want, err } = expectArrays(rows * cols);
      for (let e = 0; e < rows * cols; e++) {
        want[e] = x[e] + bias[e % cols];
        err[e] = U * abs(want[e]);
      }
      r[`${key}/y`] = { want, err };
    }
    return r;
  },
});

const biasBackward = defineCase({
  name: "biasBackward",
  op: "biasBackward",
  tolerance: "dbias[j] += Σ_i dy_ij summed in f32 over rows in order, then one add: |Δ| ≤ (rows+1)·u·(|dbias₀| + Σ_i |dy_ij|)",
  parallel: "257×113: work 464,656 ≥ 2¹⁸, 29 units of 4 columns",
  inputs: () =>
    BIAS_SHAPES.map(([rows, cols]) => {
      const key = `${rows}x${cols}`;
      return { rows, cols, key, dy: rand(`bias bwd ${key} dy`, rows * cols), d0: rand(`bias bwd ${key} d0`, cols) };
    }),
  exec: (s, ops, shapes) => {
    const out: Outputs = {};
    for (const { rows, cols, key, dy, d0 } of shapes) {
      const pd = s.outF32(d0, "dbias");
      ops.biasBackward(pd, s.inF32(dy, "dy"), rows, cols);
      out[`${key}/dbias`] = s.f32(pd, cols);
    }
    return out;
  },
  reference: (shapes) => {
    const r: Expectations = {};
    for (const { rows, cols, key, dy, d0 } of shapes) {
      const { want, err } = expectArrays(cols);
      for (let j = 0; j < cols; j++) {
        let sum = d0[j], mag = abs(d0[j]);
        for (let i = 0; i < rows; i++) {
          sum += dy[i * cols + j];
          mag += abs(dy[i * cols + j]);
        }
        want[j] = sum;
        err[j] = (rows + 1) * U * mag;
      }
      r[`${key}/dbias`] = { want, err };
    }
    return r;
  },
});

// ---------------------------------------------------------------------------------------------
// activations

const SQRT_2_OVER_PI = Math.sqrt(2 / Math.PI);
const GELU_C = 0.044715;
const geluU = (x: number) => SQRT_2_OVER_PI * (x + GELU_C * x * x * x);
const gelu = (x: number) => 0.5 * x * (1 + Math.tanh(geluU(x)));
const geluGrad = (x: number) => {
  const t = Math.tanh(geluU(x));
  return 0.5 * (1 + t) + 0.5 * x * (1 - t * t) * SQRT_2_OVER_PI * (1 + 3 * GELU_C * x * x);
};

/** Input scale per activation: the interesting range (|x| ≤ 4 keeps ½x(1 + tanh u) accurate in f64). */
const ACTIVATION_SCALE: Record<Activation, number> = { relu: 2, square: 2, tanh: 3, gelu: 4 };

const FORWARD: Record<Activation, { f: (x: number) => number; err: (y: number) => number; why: string }> = {
  relu: { f: (x) => (x > 0 ? x : 0), err: () => 0, why: "x ≤ 0 ? +0 : x is exact (a −0 input must give +0)" },
  square: { f: (x) => x * x, err: (y) => U * abs(y), why: "x·x, one f32 rounding: u·|y|" },
  tanh: { f: Math.tanh, err: (y) => (U + 2 ** -48) * abs(y), why: "f64 tanh (a few f64 ulp) rounded to f32 once: (u + 2⁻⁴⁸)·|y|" },
  gelu: { f: gelu, err: (y) => (U + 2 ** -40) * abs(y), why: "½x(1 + tanh u) in f64 (its f64 error below 2⁻⁴⁰ relative for |x| ≤ 4), rounded to f32 once: (u + 2⁻⁴⁰)·|y|" },
};

function activationForwardCase(kind: Activation): OpCase {
  const { f, err: errOf, why } = FORWARD[kind];
  return defineCase({
    name: `activationForward ${kind}`,
    op: "activationForward",
    tolerance: why,
    parallel: `${BIG_ELEMENTWISE} (and n = 257 with y = x)`,
    inputs: () =>
      [...SIZES.map((n) => ({ n, alias: false })), { n: 257, alias: true }].map(({ n, alias }) => {
        const key = `${n}${alias ? " y=x" : ""}`;
        const x = rand(`act fwd ${kind} ${key}`, n, ACTIVATION_SCALE[kind]);
        if (n >= 3) [x[1], x[2]] = [-0, 0];
        return { n, alias, key, x };
      }),
    exec: (s, ops, shapes) => {
      const out: Outputs = {};
      for (const { n, alias, key, x } of shapes) {
        const px = alias ? s.outF32(x, "x = y") : s.inF32(x, "x");
        const py = alias ? px : s.outF32(n, "y");
        ops.activationForward(kind, py, px, n);
        out[`${key}/y`] = s.f32(py, n);
      }
      return out;
    },
    reference: (shapes) => {
      const r: Expectations = {};
      for (const { n, key, x } of shapes) {
        const { want, err } = expectArrays(n);
        for (let i = 0; i < n; i++) {
          want[i] = f(x[i]);
          err[i] = errOf(want[i]);
        }
        r[`${key}/y`] = { want, err };
      }
      return r;
    },
  });
}

const BACKWARD: Record<Activation, { df: (dy: number, x: number, y: number) => number; err: (dx: number, dy: number) => number; why: string }> = {
  relu: { df: (dy, x) => (x > 0 ? dy : 0), err: () => 0, why: "x > 0 ? dy : +0 is exact" },
  square: { df: (dy, x) => 2 * x * dy, err: (dx) => U * abs(dx), why: "(x + x)·dy: the add is exact, one f32 rounding: u·|dx|" },
  tanh: { df: (dy, _x, y) => dy * (1 - y * y), err: (dx) => (U + 2 ** -50) * abs(dx), why: "dy·(1 − y²) from the forward output y, in f64 (y² exact), rounded once: (u + 2⁻⁵⁰)·|dx|" },
  gelu: {
    df: (dy, x) => dy * geluGrad(x),
    err: (dx, dy) => (U + 2 ** -40) * abs(dx) + 2 ** -40 * abs(dy),
    why: "dy·gelu′(x) in f64 (the two forms of gelu′ agree to 2⁻⁴⁰·(|dx| + |dy|) for |x| ≤ 4, where gelu′ may cancel to 0), rounded once: u·|dx| more",
  },
};

function activationBackwardCase(kind: Activation): OpCase {
  const { df, err: errOf, why } = BACKWARD[kind];
  return defineCase({
    name: `activationBackward ${kind}`,
    op: "activationBackward",
    tolerance: why,
    parallel: BIG_ELEMENTWISE,
    inputs: () =>
      SIZES.map((n) => {
        const x = rand(`act bwd ${kind} ${n} x`, n, ACTIVATION_SCALE[kind]);
        if (n >= 3) [x[1], x[2]] = [-0, 0];
        // The forward output, as the forward kernel would give it (only tanh's backward reads it).
        const y = Float32Array.from(x, (v) => FORWARD[kind].f(v));
        return { n, key: `${n}`, x, y, dy: rand(`act bwd ${kind} ${n} dy`, n) };
      }),
    exec: (s, ops, shapes) => {
      const out: Outputs = {};
      for (const { n, key, x, y, dy } of shapes) {
        const pdx = s.outF32(n, "dx");
        ops.activationBackward(kind, pdx, s.inF32(dy, "dy"), s.inF32(x, "x"), s.inF32(y, "y"), n);
        out[`${key}/dx`] = s.f32(pdx, n);
      }
      return out;
    },
    reference: (shapes) => {
      const r: Expectations = {};
      for (const { n, key, x, y, dy } of shapes) {
        const { want, err } = expectArrays(n);
        for (let i = 0; i < n; i++) {
          want[i] = df(dy[i], x[i], y[i]);
          err[i] = errOf(want[i], dy[i]);
        }
        r[`${key}/dx`] = { want, err };
      }
      return r;
    },
  });
}

// ---------------------------------------------------------------------------------------------
// embeddings: ids repeat (rows > vocab)

// 257×97 over a vocabulary of 13 (each id ~20 times): work 398,864 ≥ 2¹⁸; forward splits 257 rows,
// backward 25 units of 4 columns.
const EMBEDDING_SHAPES = [
  [1, 1, 1],
  [3, 5, 2],
  [5, 3, 7],
  [97, 4, 5],
  [7, 113, 3],
  [257, 97, 13],
] as const;

function embeddingForwardCase(accumulate: boolean): OpCase {
  const tag = `embeddingForward${accumulate ? " accumulate" : ""}`;
  return defineCase({
    name: tag,
    op: "embeddingForward",
    tolerance: accumulate ? "out += table[id]: one f32 add, u·|out|" : "a copy: exact",
    parallel: "rows 257, dim 97, vocab 13: work 398,864 ≥ 2¹⁸, 257 rows",
    inputs: () =>
      EMBEDDING_SHAPES.map(([rows, dim, vocab]) => {
        const key = `${rows}x${dim} vocab ${vocab}`;
        return { rows, dim, key, table: rand(`${tag} ${key} table`, vocab * dim), ids: ints(`${tag} ${key} ids`, rows, vocab), out0: rand(`${tag} ${key} out`, rows * dim) };
      }),
    exec: (s, ops, shapes) => {
      const out: Outputs = {};
      for (const { rows, dim, key, table, ids, out0 } of shapes) {
        const po = s.outF32(out0, "out");
        ops.embeddingForward(po, s.inF32(table, "table"), s.inI32(ids, "ids"), rows, dim, accumulate);
        out[`${key}/out`] = s.f32(po, rows * dim);
      }
      return out;
    },
    reference: (shapes) => {
      const r: Expectations = {};
      for (const { rows, dim, key, table, ids, out0 } of shapes) {
        const { want, err } = expectArrays(rows * dim);
        for (let i = 0; i < rows; i++) {
          for (let c = 0; c < dim; c++) {
            const e = i * dim + c;
            want[e] = (accumulate ? out0[e] : 0) + table[ids[i] * dim + c];
            err[e] = accumulate ? U * abs(want[e]) : 0;
          }
        }
        r[`${key}/out`] = { want, err };
      }
      return r;
    },
  });
}

const embeddingBackward = defineCase({
  name: "embeddingBackward",
  op: "embeddingBackward",
  tolerance: "dtable[id, c] += dout[i, c] in f32, once per row with that id: (count+1)·u·(|dtable₀| + Σ |dout|)",
  parallel: "rows 257, dim 97, vocab 13: work 398,864 ≥ 2¹⁸, 25 units of 4 columns",
  inputs: () =>
    EMBEDDING_SHAPES.map(([rows, dim, vocab]) => {
      const key = `${rows}x${dim} vocab ${vocab}`;
      return { rows, dim, vocab, key, dout: rand(`emb bwd ${key} dout`, rows * dim), ids: ints(`emb bwd ${key} ids`, rows, vocab), d0: rand(`emb bwd ${key} d0`, vocab * dim) };
    }),
  exec: (s, ops, shapes) => {
    const out: Outputs = {};
    for (const { rows, dim, vocab, key, dout, ids, d0 } of shapes) {
      const pd = s.outF32(d0, "dtable");
      ops.embeddingBackward(pd, s.inF32(dout, "dout"), s.inI32(ids, "ids"), rows, dim);
      out[`${key}/dtable`] = s.f32(pd, vocab * dim);
    }
    return out;
  },
  reference: (shapes) => {
    const r: Expectations = {};
    for (const { rows, dim, vocab, key, dout, ids, d0 } of shapes) {
      const want = Float64Array.from(d0), mag = Float64Array.from(d0, abs), count = new Float64Array(vocab);
      for (let i = 0; i < rows; i++) {
        count[ids[i]]++;
        for (let c = 0; c < dim; c++) {
          want[ids[i] * dim + c] += dout[i * dim + c];
          mag[ids[i] * dim + c] += abs(dout[i * dim + c]);
        }
      }
      const err = mag.map((m, e) => (count[Math.floor(e / dim)] + 1) * U * m);
      r[`${key}/dtable`] = { want, err };
    }
    return r;
  },
});

// ---------------------------------------------------------------------------------------------
// losses

// 257×97: work 257·97·64 = 1,595,456 ≥ 2¹⁸, 257 rows. 5×8 holds argmax ties (first maximum wins).
const LOSS_SHAPES = [
  [1, 1],
  [1, 2],
  [3, 5],
  [5, 8],
  [97, 3],
  [257, 97],
] as const;

function lossInputs(kind: Loss, rows: number, cols: number) {
  const key = `${rows}x${cols}`;
  const tag = `loss ${kind} ${key}`;
  const logits = rand(`${tag} logits`, rows * cols, kind === "mse" ? 1 : 3);
  const targets = ints(`${tag} targets`, rows, cols);
  if (rows === 5 && cols === 8) {
    // Row 1: the maximum twice, target the second: not correct. Row 2: the same, target the first: correct.
    for (const [row, target] of [[1, 5], [2, 2]] as const) {
      logits[row * cols + 2] = logits[row * cols + 5] = 4;
      targets[row] = target;
    }
  }
  return { rows, cols, key, logits, targets, dl0: rand(`${tag} dl0`, rows * cols) };
}

function lossCase(kind: Loss, gradient: boolean): OpCase {
  const ce = kind === "cross-entropy";
  return defineCase({
    name: `loss ${kind}${gradient ? " with gradient" : " evaluation (dlogits 0)"}`,
    op: "loss",
    tolerance: ce
      ? "rowLoss = log Σ e^{x−m} − (x_t − m) in f64 with the kernels' own exp/log (a few f64 ulp): (cols + 16)·2⁻⁵²·(|log S| + |x_t − m| + 1); " +
        "dlogits = (softmax − onehot)·scale rounded to f32 twice: 2u·|dlogits| + 2⁻⁴⁰·|dlogits| + (cols + 16)·2⁻⁵⁰·|scale|; the correct count is exact"
      : "rowLoss = Σ_j (y − onehot)² in f64, each term exact: (cols + 1)·2⁻⁵³·rowLoss; dy = 2(y − onehot)·scale rounded once: (u + 2⁻⁵⁰)·|dy|; the correct count is exact",
    parallel: "257×97: work 1,595,456 ≥ 2¹⁸, 257 rows",
    inputs: () => LOSS_SHAPES.map(([rows, cols]) => lossInputs(kind, rows, cols)),
    exec: (s, ops, shapes) => {
      const out: Outputs = {};
      for (const { rows, cols, key, logits, targets, dl0 } of shapes) {
        const pd = gradient ? s.outF32(dl0, "dlogits") : 0;
        const pl = s.outF64(rows, "rowLoss");
        const scale = ce ? 1 / rows : 1 / (rows * cols);
        out[`${key}/correct`] = ops.loss(kind, pd, pl, s.inF32(logits, "logits"), s.inI32(targets, "targets"), rows, cols, scale);
        out[`${key}/rowLoss`] = s.f64(pl, rows);
        if (gradient) out[`${key}/dlogits`] = s.f32(pd, rows * cols);
      }
      return out;
    },
    reference: (shapes) => {
      const r: Expectations = {};
      for (const { rows, cols, key, logits, targets } of shapes) {
        const scale = ce ? 1 / rows : 1 / (rows * cols);
        const loss = expectArrays(rows), grad = expectArrays(rows * cols);
        let correct = 0;
        for (let i = 0; i < rows; i++) {
          const x = logits.subarray(i * cols, (i + 1) * cols), t = targets[i];
          let top = 0;
          for (let j = 1; j < cols; j++) if (x[j] > x[top]) top = j;
          if (top === t) correct++;
          if (ce) {
            const m = x[top];
            let sum = 0;
            for (let j = 0; j < cols; j++) sum += Math.exp(x[j] - m);
            const logS = Math.log(sum), dt = x[t] - m;
            loss.want[i] = logS - dt;
            loss.err[i] = (cols + 16) * 2 ** -52 * (abs(logS) + abs(dt) + 1);
            for (let j = 0; j < cols; j++) {
              // p_t − 1 = expm1(−loss): the same number as e^{d_t}/S − 1, without its cancellation.
              const g = (j === t ? Math.expm1(-loss.want[i]) : Math.exp(x[j] - m) / sum) * scale;
              grad.want[i * cols + j] = g;
              grad.err[i * cols + j] = (2 * U + 2 ** -40) * abs(g) + (cols + 16) * 2 ** -50 * abs(scale);
            }
          } else {
            let sum = 0;
            for (let j = 0; j < cols; j++) {
              const e = x[j] - (j === t ? 1 : 0);
              sum += e * e;
              grad.want[i * cols + j] = 2 * e * scale;
              grad.err[i * cols + j] = (U + 2 ** -50) * abs(2 * e * scale);
            }
            loss.want[i] = sum;
            loss.err[i] = (cols + 1) * U64 * sum;
          }
        }
        r[`${key}/correct`] = { want: correct, err: 0 };
        r[`${key}/rowLoss`] = loss;
        if (gradient) r[`${key}/dlogits`] = grad;
      }
      return r;
    },
  });
}

// ---------------------------------------------------------------------------------------------
// LayerNorm

const LN_EPS = 1e-5;
// 257×97: work 398,864 ≥ 2¹⁸; forward and backward-input split 257 rows, backward-params 97 columns.
const LN_SHAPES = [
  [1, 1],
  [3, 5],
  [5, 3],
  [97, 7],
  [3, 113],
  [257, 97],
] as const;

function lnInputs(tag: string, rows: number, dim: number) {
  // Rows with different means, so the saved mean matters.
  const x = rand(`${tag} x`, rows * dim, 2).map((v, e) => v + 0.75 * ((Math.floor(e / dim) % 5) - 2));
  const gamma = rand(`${tag} gamma`, dim, 0.5).map((v) => 1 + v);
  const beta = rand(`${tag} beta`, dim, 0.5);
  // The statistics as the forward saves them: f64, rounded to f32.
  const mean = new Float32Array(rows), rstd = new Float32Array(rows);
  for (let i = 0; i < rows; i++) {
    const row = x.subarray(i * dim, (i + 1) * dim);
    const m = row.reduce((a, v) => a + v, 0) / dim;
    const variance = row.reduce((a, v) => a + (v - m) ** 2, 0) / dim;
    mean[i] = m;
    rstd[i] = 1 / Math.sqrt(variance + LN_EPS);
  }
  return { x, gamma, beta, mean, rstd, dout: rand(`${tag} dout`, rows * dim) };
}

const layerNormForward = defineCase({
  name: "layerNormForward",
  op: "layerNormForward",
  tolerance:
    "mean, rstd: f64 statistics rounded to f32 once, u·|mean| + (dim+2)·2⁻⁵³·Σ|x|/dim and (u + (dim+8)·2⁻⁵²)·rstd; out is formed from the ROUNDED statistics, " +
    "so it may differ from the exact (x − mean)·rstd·γ + β by |γ|·(err_mean·rstd + |x − mean|·err_rstd), plus one rounding u·|out| and 2⁻⁵⁰·(|x̂γ| + |β|) of f64 noise",
  parallel: "257×97 (and 257×97 with out = x): work 398,864 ≥ 2¹⁸, 257 rows",
  inputs: () =>
    [...LN_SHAPES.map(([rows, dim]) => ({ rows, dim, alias: false })), { rows: 257, dim: 97, alias: true }].map(({ rows, dim, alias }) => {
      const key = `${rows}x${dim}${alias ? " out=x" : ""}`;
      return { rows, dim, alias, key, ...lnInputs(`ln fwd ${key}`, rows, dim) };
    }),
  exec: (s, ops, shapes) => {
    const out: Outputs = {};
    for (const { rows, dim, alias, key, x, gamma, beta } of shapes) {
      const px = alias ? s.outF32(x, "x = out") : s.inF32(x, "x");
      const po = alias ? px : s.outF32(rows * dim, "out");
      const pm = s.outF32(rows, "mean"), pr = s.outF32(rows, "rstd");
      ops.layerNormForward(po, pm, pr, px, s.inF32(gamma, "gamma"), s.inF32(beta, "beta"), rows, dim, LN_EPS);
      out[`${key}/out`] = s.f32(po, rows * dim);
      out[`${key}/mean`] = s.f32(pm, rows);
      out[`${key}/rstd`] = s.f32(pr, rows);
    }
    return out;
  },
  reference: (shapes) => {
    const r: Expectations = {};
    for (const { rows, dim, key, x, gamma, beta } of shapes) {
      const out = expectArrays(rows * dim), mean = expectArrays(rows), rstd = expectArrays(rows);
      for (let i = 0; i < rows; i++) {
        let sum = 0, mag = 0;
        for (let j = 0; j < dim; j++) {
          sum += x[i * dim + j];
          mag += abs(x[i * dim + j]);
        }
        const m = sum / dim;
        let ss = 0;
        for (let j = 0; j < dim; j++) ss += (x[i * dim + j] - m) ** 2;
        const rs = 1 / Math.sqrt(ss / dim + LN_EPS);
        mean.want[i] = m;
        mean.err[i] = U * abs(m) + ((dim + 2) * U64 * mag) / dim;
        rstd.want[i] = rs;
        rstd.err[i] = (U + (dim + 8) * 2 ** -52) * rs;
        for (let j = 0; j < dim; j++) {
          const e = i * dim + j;
          const xhat = (x[e] - m) * rs;
          out.want[e] = xhat * gamma[j] + beta[j];
          const dxhat = mean.err[i] * rs + abs(x[e] - m) * rstd.err[i];
          out.err[e] = U * abs(out.want[e]) + abs(gamma[j]) * dxhat + 2 ** -50 * (abs(xhat * gamma[j]) + abs(beta[j]));
        }
      }
      r[`${key}/out`] = out;
      r[`${key}/mean`] = mean;
      r[`${key}/rstd`] = rstd;
    }
    return r;
  },
});

const layerNormBackwardInput = defineCase({
  name: "layerNormBackwardInput",
  op: "layerNormBackwardInput",
  tolerance:
    "dx = rstd·((dx̂ − mean(dx̂)) − x̂·mean(dx̂·x̂)) with dx̂ = dout·γ and x̂ from the SAVED f32 mean and rstd, in f64, rounded once: " +
    "u·|dx| + (dim+4)·2⁻⁵⁰·rstd·(|dx̂| + Σ|dx̂|/dim + |x̂|·Σ|dx̂·x̂|/dim) for the f64 sums' cancellation",
  parallel: "257×97 (and 257×97 with dx = dout): work 398,864 ≥ 2¹⁸, 257 rows",
  inputs: () =>
    [...LN_SHAPES.map(([rows, dim]) => ({ rows, dim, alias: false })), { rows: 257, dim: 97, alias: true }].map(({ rows, dim, alias }) => {
      const key = `${rows}x${dim}${alias ? " dx=dout" : ""}`;
      return { rows, dim, alias, key, ...lnInputs(`ln bwd in ${key}`, rows, dim) };
    }),
  exec: (s, ops, shapes) => {
    const out: Outputs = {};
    for (const { rows, dim, alias, key, x, gamma, mean, rstd, dout } of shapes) {
      const pg = alias ? s.outF32(dout, "dout = dx") : s.inF32(dout, "dout");
      const pdx = alias ? pg : s.outF32(rows * dim, "dx");
      ops.layerNormBackwardInput(pdx, pg, s.inF32(x, "x"), s.inF32(mean, "mean"), s.inF32(rstd, "rstd"), s.inF32(gamma, "gamma"), rows, dim);
      out[`${key}/dx`] = s.f32(pdx, rows * dim);
    }
    return out;
  },
  reference: (shapes) => {
    const r: Expectations = {};
    for (const { rows, dim, key, x, gamma, mean, rstd, dout } of shapes) {
      const { want, err } = expectArrays(rows * dim);
      for (let i = 0; i < rows; i++) {
        const m = mean[i], rs = rstd[i];
        let a = 0, b = 0, magA = 0, magB = 0;
        for (let j = 0; j < dim; j++) {
          const dxhat = dout[i * dim + j] * gamma[j], xhat = (x[i * dim + j] - m) * rs;
          a += dxhat;
          b += dxhat * xhat;
          magA += abs(dxhat);
          magB += abs(dxhat * xhat);
        }
        for (let j = 0; j < dim; j++) {
          const e = i * dim + j;
          const dxhat = dout[e] * gamma[j], xhat = (x[e] - m) * rs;
          want[e] = rs * (dxhat - a / dim - (xhat * b) / dim);
          err[e] = U * abs(want[e]) + (dim + 4) * 2 ** -50 * rs * (abs(dxhat) + magA / dim + (abs(xhat) * magB) / dim);
        }
      }
      r[`${key}/dx`] = { want, err };
    }
    return r;
  },
});

const layerNormBackwardParams = defineCase({
  name: "layerNormBackwardParams",
  op: "layerNormBackwardParams",
  tolerance:
    "dγ_j += Σ_i dout·x̂ and dβ_j += Σ_i dout, summed over rows in f64 (x̂ from the saved statistics) and added with one f32 rounding: " +
    "u·|result| + (rows+4)·2⁻⁵²·(|initial| + Σ_i |term|)",
  parallel: "257×97: work 398,864 ≥ 2¹⁸, 97 columns",
  inputs: () =>
    LN_SHAPES.map(([rows, dim]) => {
      const key = `${rows}x${dim}`;
      const tag = `ln bwd params ${key}`;
      return { rows, dim, key, ...lnInputs(tag, rows, dim), dgamma0: rand(`${tag} dg0`, dim), dbeta0: rand(`${tag} db0`, dim) };
    }),
  exec: (s, ops, shapes) => {
    const out: Outputs = {};
    for (const { rows, dim, key, x, mean, rstd, dout, dgamma0, dbeta0 } of shapes) {
      const pg = s.outF32(dgamma0, "dgamma"), pb = s.outF32(dbeta0, "dbeta");
      ops.layerNormBackwardParams(pg, pb, s.inF32(dout, "dout"), s.inF32(x, "x"), s.inF32(mean, "mean"), s.inF32(rstd, "rstd"), rows, dim);
      out[`${key}/dgamma`] = s.f32(pg, dim);
      out[`${key}/dbeta`] = s.f32(pb, dim);
    }
    return out;
  },
  reference: (shapes) => {
    const r: Expectations = {};
    for (const { rows, dim, key, x, mean, rstd, dout, dgamma0, dbeta0 } of shapes) {
      const dg = expectArrays(dim), db = expectArrays(dim);
      for (let j = 0; j < dim; j++) {
        let sg = dgamma0[j], sb = dbeta0[j], mg = abs(dgamma0[j]), mb = abs(dbeta0[j]);
        for (let i = 0; i < rows; i++) {
          const g = dout[i * dim + j], t = g * (x[i * dim + j] - mean[i]) * rstd[i];
          sg += t;
          sb += g;
          mg += abs(t);
          mb += abs(g);
        }
        [dg.want[j], dg.err[j]] = [sg, U * abs(sg) + (rows + 4) * 2 ** -52 * mg];
        [db.want[j], db.err[j]] = [sb, U * abs(sb) + (rows + 4) * 2 ** -52 * mb];
      }
      r[`${key}/dgamma`] = dg;
      r[`${key}/dbeta`] = db;
    }
    return r;
  },
});

// ---------------------------------------------------------------------------------------------
// attention: [batch, seqLen, queryLen, heads, headDim]

type AttentionShape = readonly [batch: number, seqLen: number, queryLen: number, heads: number, headDim: number];

// The big shapes: forward work batch·heads·Tq·T·headDim·4 (backward ×8) ≥ 2¹⁸, batch ≥ 13 rows.
const ATTENTION_SHAPES: Record<"full" | "last" | "some", { shapes: AttentionShape[]; big: string }> = {
  full: {
    shapes: [[1, 1, 1, 1, 1], [2, 3, 3, 2, 5], [3, 5, 5, 3, 4], [13, 19, 19, 3, 7]],
    big: "13×19 (queryLen 19), 3 heads of 7: forward work 394,212 ≥ 2¹⁸ (backward 8×), 13 batch rows",
  },
  last: {
    shapes: [[1, 1, 1, 1, 1], [2, 5, 1, 2, 3], [5, 7, 1, 4, 8], [97, 23, 1, 4, 8]],
    big: "97×23 (queryLen 1), 4 heads of 8: forward work 285,568 ≥ 2¹⁸ (backward 8×), 97 batch rows",
  },
  some: {
    shapes: [[3, 5, 2, 2, 3], [29, 17, 5, 3, 9]],
    big: "29×17 (queryLen 5), 3 heads of 9: forward work 266,220 ≥ 2¹⁸ (backward 8×), 29 batch rows",
  },
};
const QUERY_LEN_NAME = { full: "queryLen = seqLen", last: "queryLen = 1", some: "1 < queryLen < seqLen" } as const;

/** Exact (f64, host exp) causal softmax probabilities [batch, heads, Tq, T] for the shape. */
function attentionProbs(q: Float32Array, k: Float32Array, [batch, T, Tq, H, hd]: AttentionShape): Float64Array {
  const C = H * hd, first = T - Tq, d = Math.sqrt(hd);
  const p = new Float64Array(batch * H * Tq * T);
  for (let b = 0; b < batch; b++)
    for (let h = 0; h < H; h++)
      for (let tq = 0; tq < Tq; tq++) {
        const t = first + tq, row = ((b * H + h) * Tq + tq) * T;
        const scores = Array.from({ length: t + 1 }, (_, s) => {
          let dot = 0;
          for (let j = 0; j < hd; j++) dot += q[(b * Tq + tq) * C + h * hd + j] * k[(b * T + s) * C + h * hd + j];
          return dot / d;
        });
        const m = Math.max(...scores);
        const e = scores.map((sc) => Math.exp(sc - m));
        const sum = e.reduce((a, v) => a + v, 0);
        for (let s = 0; s <= t; s++) p[row + s] = e[s] / sum;
      }
  return p;
}

function attentionInputs(tag: string, shape: AttentionShape) {
  const [batch, T, Tq, H, hd] = shape;
  const C = H * hd;
  const key = `b${batch} T${T} Tq${Tq} h${H}x${hd}`;
  const q = rand(`${tag} ${key} q`, batch * Tq * C, 1.5), k = rand(`${tag} ${key} k`, batch * T * C, 1.5);
  return { shape, key, q, k, v: rand(`${tag} ${key} v`, batch * T * C), dout: rand(`${tag} ${key} dout`, batch * Tq * C), probs: Float32Array.from(attentionProbs(q, k, shape)) };
}

function attentionForwardCase(which: keyof typeof ATTENTION_SHAPES): OpCase {
  return defineCase({
    name: `attentionForward ${QUERY_LEN_NAME[which]}`,
    op: "attentionForward",
    tolerance:
      "probs: softmax in f64 with the kernels' exp (2⁻⁴⁴ relative covers it) rounded once: (u + 2⁻⁴⁴)·p, and exactly +0 where masked; " +
      "out = Σ_s f32(p_s)·v_s in f64 rounded once: u·|out| + (u + 2⁻⁴⁴ + T·2⁻⁵³)·Σ_s p_s·|v_s| (the rounded probabilities' error carried through)",
    parallel: ATTENTION_SHAPES[which].big,
    inputs: () => ATTENTION_SHAPES[which].shapes.map((shape) => attentionInputs(`attn fwd ${which}`, shape)),
    exec: (s, ops, shapes) => {
      const out: Outputs = {};
      for (const { shape, key, q, k, v } of shapes) {
        const [batch, T, Tq, H, hd] = shape;
        const po = s.outF32(batch * Tq * H * hd, "out"), pp = s.outF32(batch * H * Tq * T, "probs");
        ops.attentionForward(po, pp, s.inF32(q, "q"), s.inF32(k, "k"), s.inF32(v, "v"), batch, T, Tq, H, hd);
        out[`${key}/out`] = s.f32(po, batch * Tq * H * hd);
        out[`${key}/probs`] = s.f32(pp, batch * H * Tq * T);
      }
      return out;
    },
    reference: (shapes) => {
      const r: Expectations = {};
      for (const { shape, key, q, k, v } of shapes) {
        const [batch, T, Tq, H, hd] = shape;
        const C = H * hd, first = T - Tq;
        const p = attentionProbs(q, k, shape);
        const out = expectArrays(batch * Tq * C);
        for (let b = 0; b < batch; b++)
          for (let h = 0; h < H; h++)
            for (let tq = 0; tq < Tq; tq++) {
              const t = first + tq, row = ((b * H + h) * Tq + tq) * T;
              for (let j = 0; j < hd; j++) {
                let sum = 0, mag = 0;
                for (let s = 0; s <= t; s++) {
                  sum += p[row + s] * v[(b * T + s) * C + h * hd + j];
                  mag += p[row + s] * abs(v[(b * T + s) * C + h * hd + j]);
                }
                const e = (b * Tq + tq) * C + h * hd + j;
                out.want[e] = sum;
                out.err[e] = U * abs(sum) + (U + 2 ** -44 + T * U64) * mag;
              }
            }
        r[`${key}/out`] = out;
        r[`${key}/probs`] = { want: p, err: p.map((pi) => (U + 2 ** -44) * pi) };
      }
      return r;
    },
  });
}

function attentionBackwardCase(which: keyof typeof ATTENTION_SHAPES): OpCase {
  return defineCase({
    name: `attentionBackward ${QUERY_LEN_NAME[which]}`,
    op: "attentionBackward",
    tolerance:
      "from the given f32 probs P: dv_s = Σ_t P_ts·dout_t in f64 rounded once: u·|dv| + Tq·2⁻⁵³·Σ|P·dout|; " +
      "dq_t = Σ_s g_ts·k_s and dk_s = Σ_t g_ts·q_t with g = P(dout·v − D)/√headDim, each term added with one f32 rounding: " +
      "(terms + 2)·u·Σ G·|k| (resp. |q|), G = P(|dout·v| + |D|)/√headDim bounding |g| and its f64 error",
    parallel: ATTENTION_SHAPES[which].big,
    inputs: () => ATTENTION_SHAPES[which].shapes.map((shape) => attentionInputs(`attn bwd ${which}`, shape)),
    exec: (s, ops, shapes) => {
      const out: Outputs = {};
      for (const { shape, key, q, k, v, dout, probs } of shapes) {
        const [batch, T, Tq, H, hd] = shape;
        const C = H * hd;
        const pdq = s.outF32(batch * Tq * C, "dq"), pdk = s.outF32(batch * T * C, "dk"), pdv = s.outF32(batch * T * C, "dv");
        ops.attentionBackward(pdq, pdk, pdv, s.inF32(dout, "dout"), s.inF32(probs, "probs"), s.inF32(q, "q"), s.inF32(k, "k"), s.inF32(v, "v"), batch, T, Tq, H, hd);
        out[`${key}/dq`] = s.f32(pdq, batch * Tq * C);
        out[`${key}/dk`] = s.f32(pdk, batch * T * C);
        out[`${key}/dv`] = s.f32(pdv, batch * T * C);
      }
      return out;
    },
    reference: (shapes) => {
      const r: Expectations = {};
      for (const { shape, key, q, k, v, dout, probs } of shapes) {
        const [batch, T, Tq, H, hd] = shape;
        const C = H * hd, first = T - Tq, d = Math.sqrt(hd);
        const dq = expectArrays(batch * Tq * C), dk = expectArrays(batch * T * C), dv = expectArrays(batch * T * C);
        const dqMag = new Float64Array(dq.want.length), dkMag = new Float64Array(dk.want.length), dkTerms = new Float64Array(dk.want.length);
        const dvMag = new Float64Array(dv.want.length);
        for (let b = 0; b < batch; b++)
          for (let h = 0; h < H; h++)
            for (let tq = 0; tq < Tq; tq++) {
              const t = first + tq, row = ((b * H + h) * Tq + tq) * T;
              const qo = (b * Tq + tq) * C + h * hd;
              const dp = Array.from({ length: t + 1 }, (_, s) => {
                let sum = 0;
                for (let j = 0; j < hd; j++) sum += dout[qo + j] * v[(b * T + s) * C + h * hd + j];
                return sum;
              });
              let D = 0;
              for (let s = 0; s <= t; s++) D += probs[row + s] * dp[s];
              for (let s = 0; s <= t; s++) {
                const P = probs[row + s];
                const g = (P * (dp[s] - D)) / d, G = (P * (abs(dp[s]) + abs(D))) / d;
                const ko = (b * T + s) * C + h * hd;
                for (let j = 0; j < hd; j++) {
                  dv.want[ko + j] += P * dout[qo + j];
                  dvMag[ko + j] += abs(P * dout[qo + j]);
                  dq.want[qo + j] += g * k[ko + j];
                  dqMag[qo + j] += G * abs(k[ko + j]);
                  dk.want[ko + j] += g * q[qo + j];
                  dkMag[ko + j] += G * abs(q[qo + j]);
                  dkTerms[ko + j]++;
                }
              }
            }
        for (let b = 0; b < batch; b++)
          for (let tq = 0; tq < Tq; tq++)
            for (let c = 0; c < C; c++) {
              const e = (b * Tq + tq) * C + c;
              dq.err[e] = (first + tq + 1 + 2) * U * dqMag[e];
            }
        for (let e = 0; e < dk.want.length; e++) {
          dk.err[e] = (dkTerms[e] + 2) * U * dkMag[e];
          dv.err[e] = U * abs(dv.want[e]) + Tq * U64 * dvMag[e];
        }
        r[`${key}/dq`] = dq;
        r[`${key}/dk`] = dk;
        r[`${key}/dv`] = dv;
      }
      return r;
    },
  });
}

// ---------------------------------------------------------------------------------------------
// optimisers

const ADAMW = { lr: 1e-2, beta1: 0.9, beta2: 0.98, eps: 1e-8, weightDecay: 0.5 };
/** The steps t of successive updates (bias corrections differ; t = 1000 has them ≈ 1). */
const ADAMW_STEPS = [1, 2, 3, 1000] as const;

const adamw = defineCase({
  name: "adamw",
  op: "adamw",
  tolerance:
    "torch.optim.AdamW in f64 against the kernel's f32 sequence (decay, moments, √, ÷ and the per-step factors rounded once each): " +
    "a first-order forward error bound carried through every f32 operation and every step (u·|result| per operation, hyper-parameters rounded to f32)",
  parallel: `${BIG_ELEMENTWISE}; steps t = ${ADAMW_STEPS.join(", ")}`,
  inputs: () =>
    SIZES.map((n) => ({ n, key: `${n}`, p0: rand(`adamw ${n} p`, n), grads: ADAMW_STEPS.map((t) => rand(`adamw ${n} g${t}`, n, 0.5)) })),
  exec: (s, ops, shapes) => {
    const out: Outputs = {};
    const { lr, beta1, beta2, eps, weightDecay } = ADAMW;
    for (const { n, key, p0, grads } of shapes) {
      const pp = s.outF32(p0, "params"), pm = s.outF32(new Float32Array(n), "m"), pv = s.outF32(new Float32Array(n), "v");
      ADAMW_STEPS.forEach((t, step) => {
        ops.adamw(pp, s.inF32(grads[step], "grads"), pm, pv, lr, beta1, beta2, eps, weightDecay, t, n);
        out[`${key}/t=${t}/params`] = s.f32(pp, n);
        out[`${key}/t=${t}/m`] = s.f32(pm, n);
        out[`${key}/t=${t}/v`] = s.f32(pv, n);
      });
    }
    return out;
  },
  reference: (shapes) => {
    const r: Expectations = {};
    const { lr, beta1, beta2, eps, weightDecay } = ADAMW;
    for (const { n, key, p0, grads } of shapes) {
      let P: Ev[] = Array.from(p0, exact), M: Ev[] = Array.from({ length: n }, () => exact(0)), V = M;
      ADAMW_STEPS.forEach((t, step) => {
        const decay = rounded(1 - lr * weightDecay), b1 = rounded(beta1), c1 = rounded(1 - beta1), b2 = rounded(beta2), c2 = rounded(1 - beta2);
        const stepSize = rounded(lr / (1 - beta1 ** t)), bc2 = rounded(Math.sqrt(1 - beta2 ** t)), epsf = rounded(eps);
        const next = P.map((p, i) => {
          const g = exact(grads[step][i]);
          const m = add(mul(b1, M[i]), mul(c1, g));
          const v = add(mul(b2, V[i]), mul(c2, mul(g, g)));
          const denom = add(div(sqrt(v), bc2), epsf);
          return { p: sub(mul(p, decay), mul(stepSize, div(m, denom))), m, v };
        });
        P = next.map((e) => e.p);
        M = next.map((e) => e.m);
        V = next.map((e) => e.v);
        for (const [name, values] of [["params", P], ["m", M], ["v", V]] as const) {
          r[`${key}/t=${t}/${name}`] = { want: values.map((e) => e[0]), err: values.map((e) => e[1]) };
        }
      });
    }
    return r;
  },
});

const SGD = { lr: 0.05, momentum: 0.9, weightDecay: 1e-3, steps: 3 };

const sgd = defineCase({
  name: "sgd",
  op: "sgd",
  tolerance:
    "torch.optim.SGD (momentum, coupled L2) in f64 against the kernel's five f32 operations per step: " +
    "a first-order forward error bound carried through each operation and step (u·|result| each, hyper-parameters rounded to f32)",
  parallel: `${BIG_ELEMENTWISE}; ${SGD.steps} steps`,
  inputs: () =>
    SIZES.map((n) => ({ n, key: `${n}`, p0: rand(`sgd ${n} p`, n), grads: Array.from({ length: SGD.steps }, (_, t) => rand(`sgd ${n} g${t}`, n)) })),
  exec: (s, ops, shapes) => {
    const out: Outputs = {};
    for (const { n, key, p0, grads } of shapes) {
      const pp = s.outF32(p0, "params"), pv = s.outF32(new Float32Array(n), "velocity");
      grads.forEach((g, t) => {
        ops.sgd(pp, s.inF32(g, "grads"), pv, SGD.lr, SGD.momentum, SGD.weightDecay, n);
        out[`${key}/step ${t + 1}/params`] = s.f32(pp, n);
        out[`${key}/step ${t + 1}/velocity`] = s.f32(pv, n);
      });
    }
    return out;
  },
  reference: (shapes) => {
    const r: Expectations = {};
    const lr = rounded(SGD.lr), mu = rounded(SGD.momentum), wd = rounded(SGD.weightDecay);
    for (const { n, key, p0, grads } of shapes) {
      let P: Ev[] = Array.from(p0, exact), V: Ev[] = Array.from({ length: n }, () => exact(0));
      grads.forEach((grad, t) => {
        const next = P.map((p, i) => {
          const g = add(exact(grad[i]), mul(wd, p));
          const v = add(mul(mu, V[i]), g);
          return { p: sub(p, mul(lr, v)), v };
        });
        P = next.map((e) => e.p);
        V = next.map((e) => e.v);
        r[`${key}/step ${t + 1}/params`] = { want: P.map((e) => e[0]), err: P.map((e) => e[1]) };
        r[`${key}/step ${t + 1}/velocity`] = { want: V.map((e) => e[0]), err: V.map((e) => e[1]) };
      });
    }
    return r;
  },
});

const TARGET_NORM = 12.5;

const rescaleToNorm = defineCase({
  name: "rescaleToNorm",
  op: "rescaleToNorm",
  tolerance: "p·f32(target/√sumSquares): the factor rounded once and one f32 multiply, 2u·|p′|; sumSquares = 0 leaves p unchanged (exact)",
  parallel: BIG_ELEMENTWISE,
  inputs: () =>
    [...SIZES.map((n) => ({ n, zero: false })), { n: 257, zero: true }].map(({ n, zero }) => {
      const p = rand(`rescale ${n}`, n, 2);
      // As over all parameter tensors: this one holds part of the total.
      const sumSquares = zero ? 0 : 1.7 * p.reduce((a, v) => a + v * v, 0);
      return { n, key: `${n}${zero ? " sumSquares 0" : ""}`, p, sumSquares };
    }),
  exec: (s, ops, shapes) => {
    const out: Outputs = {};
    for (const { n, key, p, sumSquares } of shapes) {
      const pp = s.outF32(p, "params");
      ops.rescaleToNorm(pp, sumSquares, TARGET_NORM, n);
      out[`${key}/params`] = s.f32(pp, n);
    }
    return out;
  },
  reference: (shapes) => {
    const r: Expectations = {};
    for (const { key, p, sumSquares } of shapes) {
      const factor = sumSquares > 0 ? TARGET_NORM / Math.sqrt(sumSquares) : 1;
      const want = Float64Array.from(p, (v) => v * factor);
      r[`${key}/params`] = { want, err: sumSquares > 0 ? want.map((w) => 2 * U * abs(w)) : 0 };
    }
    return r;
  },
});

// ---------------------------------------------------------------------------------------------
// add, reductions, memory traffic

const addCase = defineCase({
  name: "add",
  op: "add",
  tolerance: "a + b, one f32 add: u·|y|",
  parallel: `${BIG_ELEMENTWISE} (separate y, y = a and y = b)`,
  inputs: () =>
    [...SIZES.map((n) => ({ n, alias: "none" as const })), ...[257, 20011].flatMap((n) => [{ n, alias: "a" as const }, { n, alias: "b" as const }])].map(({ n, alias }) => ({
      n,
      alias,
      key: `${n}${alias === "none" ? "" : ` y=${alias}`}`,
      a: rand(`add ${n} ${alias} a`, n),
      b: rand(`add ${n} ${alias} b`, n, 3),
    })),
  exec: (s, ops, shapes) => {
    const out: Outputs = {};
    for (const { n, alias, key, a, b } of shapes) {
      const pa = alias === "a" ? s.outF32(a, "a = y") : s.inF32(a, "a");
      const pb = alias === "b" ? s.outF32(b, "b = y") : s.inF32(b, "b");
      const py = alias === "a" ? pa : alias === "b" ? pb : s.outF32(n, "y");
      ops.add(py, pa, pb, n);
      out[`${key}/y`] = s.f32(py, n);
    }
    return out;
  },
  reference: (shapes) => {
    const r: Expectations = {};
    for (const { n, key, a, b } of shapes) {
      const want = Float64Array.from({ length: n }, (_, i) => a[i] + b[i]);
      r[`${key}/y`] = { want, err: want.map((w) => U * abs(w)) };
    }
    return r;
  },
});

/** Reductions: around the 8 partial sums of f32_sumsq (7, 8, 9) and one size above 2¹⁸ anyway. */
const REDUCTION_SIZES = [0, 1, 3, 5, 7, 8, 9, 97, 113, 257, 300007] as const;

const sumSquares = defineCase({
  name: "sumSquares",
  op: "sumSquares",
  tolerance: "each x² exact in f64, n adds in f64: n·2⁻⁵³·Σx²",
  parallel: "n = 300,007 > 2¹⁸; a whole call, never split",
  neverSplits: true,
  inputs: () => REDUCTION_SIZES.map((n) => ({ n, key: `${n}`, x: rand(`sumsq ${n}`, n, 3) })),
  exec: (s, ops, shapes) => Object.fromEntries(shapes.map(({ n, key, x }) => [`${key}/sum`, ops.sumSquares(s.inF32(x, "x"), n)])),
  reference: (shapes) =>
    Object.fromEntries(
      shapes.map(({ n, key, x }) => {
        const want = x.reduce((a, v) => a + v * v, 0);
        return [`${key}/sum`, { want, err: (n + 1) * U64 * want }];
      }),
    ),
});

const sumF64 = defineCase({
  name: "sumF64",
  op: "sumF64",
  tolerance: "n adds in f64 (terms of mixed magnitude, so the order shows in the bits): (n+1)·2⁻⁵³·Σ|x|",
  parallel: "n = 300,007 > 2¹⁸; a whole call, never split",
  neverSplits: true,
  inputs: () =>
    REDUCTION_SIZES.map((n) => ({ n, key: `${n}`, x: Float64Array.from(rand(`sumf64 ${n}`, n), (v, i) => v * 10 ** ((i % 7) - 3) + v / 3) })),
  exec: (s, ops, shapes) => Object.fromEntries(shapes.map(({ n, key, x }) => [`${key}/sum`, ops.sumF64(s.inF64(x, "x"), n)])),
  reference: (shapes) =>
    Object.fromEntries(
      shapes.map(({ n, key, x }) => [`${key}/sum`, { want: x.reduce((a, v) => a + v, 0), err: (n + 1) * U64 * x.reduce((a, v) => a + abs(v), 0) }]),
    ),
});

const MEMORY_SIZES = [1, 3, 5, 97, 113, 257, 300007] as const;

const zero = defineCase({
  name: "zero",
  op: "zero",
  tolerance: "exact (+0 everywhere)",
  parallel: "n = 300,007 > 2¹⁸; memory traffic on the calling thread, never split",
  neverSplits: true,
  inputs: () => MEMORY_SIZES.map((n) => ({ n, key: `${n}`, x: rand(`zero ${n}`, n) })),
  exec: (s, ops, shapes) => {
    const out: Outputs = {};
    for (const { n, key, x } of shapes) {
      const p = s.outF32(x, "x");
      ops.zero(p, n);
      out[`${key}/x`] = s.f32(p, n);
    }
    return out;
  },
  reference: (shapes) => Object.fromEntries(shapes.map(({ n, key }) => [`${key}/x`, { want: new Float64Array(n), err: 0 }])),
});

const copy = defineCase({
  name: "copy",
  op: "copy",
  tolerance: "exact",
  parallel: "n = 300,007 > 2¹⁸; memory traffic on the calling thread, never split",
  neverSplits: true,
  inputs: () => MEMORY_SIZES.map((n) => ({ n, key: `${n}`, src: rand(`copy ${n} src`, n), dst: rand(`copy ${n} dst`, n) })),
  exec: (s, ops, shapes) => {
    const out: Outputs = {};
    for (const { n, key, src, dst } of shapes) {
      const pd = s.outF32(dst, "dst");
      ops.copy(pd, s.inF32(src, "src"), n);
      out[`${key}/dst`] = s.f32(pd, n);
    }
    return out;
  },
  reference: (shapes) => Object.fromEntries(shapes.map(({ key, src }) => [`${key}/dst`, { want: src, err: 0 }])),
});

// ---------------------------------------------------------------------------------------------

export const CASES: readonly OpCase[] = [
  ...(["nn", "tn", "nt"] as const).flatMap((layout) => [gemmCase(layout, false), gemmCase(layout, true)]),
  biasForward,
  biasBackward,
  ...ACTIVATIONS.map(activationForwardCase),
  ...ACTIVATIONS.map(activationBackwardCase),
  embeddingForwardCase(false),
  embeddingForwardCase(true),
  embeddingBackward,
  ...LOSSES.flatMap((kind) => [lossCase(kind, true), lossCase(kind, false)]),
  layerNormForward,
  layerNormBackwardInput,
  layerNormBackwardParams,
  ...(["full", "last", "some"] as const).flatMap((which) => [attentionForwardCase(which), attentionBackwardCase(which)]),
  adamw,
  sgd,
  rescaleToNorm,
  addCase,
  sumSquares,
  sumF64,
  zero,
  copy,
];

// ---------------------------------------------------------------------------------------------
// Checking

/** Second-order terms the first-order bounds leave out: bounds are allowed this factor. */
const SLACK = 1 + 2 ** -10;

export interface Mismatch {
  output: string;
  index: number;
  got: number;
  want: number;
  err: number;
}

/** Where `outputs` leave the reference's bounds (at most `limit` per output), and outputs missing on either side. */
export function compareToReference(outputs: Outputs, expected: Expectations, limit = 3): { mismatches: Mismatch[]; missing: string[]; worst: number } {
  const mismatches: Mismatch[] = [];
  const missing = [...Object.keys(expected).filter((k) => !(k in outputs)), ...Object.keys(outputs).filter((k) => !(k in expected))];
  let worst = 0;
  for (const [name, { want, err }] of Object.entries(expected)) {
    const got = outputs[name];
    if (got === undefined) continue;
    const gotArr: ArrayLike<number> = typeof got === "number" ? [got] : got;
    const wantArr: ArrayLike<number> = typeof want === "number" ? [want] : want;
    if (gotArr.length !== wantArr.length) {
      mismatches.push({ output: `${name} (length ${gotArr.length}, want ${wantArr.length})`, index: -1, got: NaN, want: NaN, err: 0 });
      continue;
    }
    let found = 0;
    for (let i = 0; i < wantArr.length; i++) {
      const g = gotArr[i], w = wantArr[i], e = typeof err === "number" ? err : err[i];
      const ok = e === 0 ? Object.is(g, w) : Number.isFinite(g) && abs(g - w) <= e * SLACK;
      if (e > 0 && Number.isFinite(g)) worst = Math.max(worst, abs(g - w) / e);
      if (!ok && found++ < limit) mismatches.push({ output: name, index: i, got: g, want: w, err: e });
    }
  }
  return { mismatches, missing, worst };
}

/** The bytes of an output (a number: its f64 bytes), for bitwise comparison and digests. */
export function outputBytes(value: OutputValue): Uint8Array {
  if (typeof value === "number") return new Uint8Array(new Float64Array([value]).buffer);
  return new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
}
