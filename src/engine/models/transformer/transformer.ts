/**
 * Decoder-only transformer for modular arithmetic, as in Nanda et al. 2023 ("Progress measures for
 * grokking via mechanistic interpretability"): tokens [a, b, =], token + position embeddings,
 * `layers` blocks of causal multi-head attention and a ReLU MLP on a residual stream (pre-LayerNorm
 * when enabled), read-out at the last position through an unembedding.
 *
 * Only the last position's logits enter the loss, so the last block computes queries, attention
 * output and MLP for that position alone; keys and values still come from every position. The
 * loss and its gradients are exactly those of the full computation.
 */
import { I32_BYTES, type Arena } from "../../../wasm/arena.js";
import { allocGemmWorkspace, type GemmWorkspace } from "../../../ops/gemm.js";
import type { Ops } from "../../../ops/ops.js";
import { ParameterLayout, type ParameterState, type ParamSpec, type Resolved, type ParamTensor } from "../../layout.js";
import type { Batch, InputShape, Model } from "../model.js";
import type { TransformerConfig } from "./schema.js";

const LAYER_NORM_EPS = 1e-5;

/** Sequence: the operands then "=" (token id p). */
const SEQ = 3;

/** A LayerNorm's gain (initialised to 1) and offset (0), each [dModel]. */
interface LayerNormParams<T> { gamma: T; beta: T }

/** One block: attention's q, k, v, o [d×d] and the MLP's in [d×dMlp] and out [dMlp×d]; biases and LayerNorms when configured. */
interface BlockParams<T> {
  ln1?: LayerNormParams<T>;
  wq: T; bq?: T; wk: T; bk?: T; wv: T; bv?: T; wo: T; bo?: T;
  ln2?: LayerNormParams<T>;
  wIn: T; bIn?: T; wOut: T; bOut?: T;
}

export interface TransformerParams<T = ParamSpec> {
  /** [(p + 1)×d]: the p operand tokens and "=". */
  tokenEmbedding: T;
  /** [SEQ×d]. */
  positionEmbedding: T;
  blocks: BlockParams<T>[];
  lnf?: LayerNormParams<T>;
  /** [d×classes], and its bias [classes]. */
  unembed: T;
  unembedBias?: T;
}

export function transformerLayout(c: TransformerConfig, shape: InputShape): ParameterLayout<TransformerParams> {
  const d = c.dModel, p = shape.vocab;
  const specs: ParamSpec[] = [];
  const add = (spec: ParamSpec) => (specs.push(spec), spec);
  // A tensor's std: its own (init.tensorStd), else its kind's, else fan-in (1 for embeddings).
  const stdOf = (name: string, kind: number | undefined, fallback: number) => c.init.tensorStd?.[name] ?? kind ?? fallback;
  const weight = (name: string, rows: number, cols: number, std: number | undefined) => add({ name, shape: [rows, cols], group: "weights", std: stdOf(name, std, 1 / Math.sqrt(rows)) });
  const vector = (name: string, n: number, value: 0 | 1) => add({ name, shape: [n], group: "weights", std: 0, constant: value });
  const bias = (name: string, n: number) => (c.bias ? vector(name, n, 0) : undefined);
  const layerNorm = (name: string) => (c.layerNorm ? { gamma: vector(`${name}.gamma`, d, 1), beta: vector(`${name}.beta`, d, 0) } : undefined);
  const embedding = (name: string, rows: number) => add({ name, shape: [rows, d], group: "embedding", std: stdOf(name, c.init.embeddingStd, 1) });
  const tokenEmbedding = embedding("tokenEmbedding", p + 1);
  const positionEmbedding = embedding("positionEmbedding", SEQ);
  const blocks = Array.from({ length: c.layers }, (_, l): BlockParams<ParamSpec> => {
    const n = `l${l}.`;
    const ln1 = layerNorm(`${n}ln1`);
    const [wq, bq] = [weight(`${n}wq`, d, d, c.init.attentionStd), bias(`${n}bq`, d)];
    const [wk, bk] = [weight(`${n}wk`, d, d, c.init.attentionStd), bias(`${n}bk`, d)];
    const [wv, bv] = [weight(`${n}wv`, d, d, c.init.attentionStd), bias(`${n}bv`, d)];
    const [wo, bo] = [weight(`${n}wo`, d, d, c.init.attentionStd), bias(`${n}bo`, d)];
    const ln2 = layerNorm(`${n}ln2`);
    const [wIn, bIn] = [weight(`${n}wIn`, d, c.dMlp, c.init.mlpStd), bias(`${n}bIn`, c.dMlp)];
    const [wOut, bOut] = [weight(`${n}wOut`, c.dMlp, d, c.init.mlpStd), bias(`${n}bOut`, d)];
    return { ln1, wq, bq, wk, bk, wv, bv, wo, bo, ln2, wIn, bIn, wOut, bOut };
  });
  const lnf = layerNorm("lnf");
  const unembed = weight("unembed", d, shape.classes, c.init.unembedStd);
  const unembedBias = bias("unembedBias", shape.classes);
  return new ParameterLayout(specs, { tokenEmbedding, positionEmbedding, blocks, lnf, unembed, unembedBias });
}

/** One block's activations for a batch of `capacity` sequences, of which `queryLen` positions go on. */
interface BlockBuffers {
  queryLen: number;
  /** Block input x (all positions) is the previous block's output or the embedding; h = LN1(x) or x. */
  h: number; ln1Mean: number; ln1Rstd: number;
  k: number; v: number;
  /** Residual input and LN1 output at the query positions (aliases of x and h when queryLen = SEQ). */
  xq: number; hq: number;
  q: number; attn: number; probs: number;
  x1: number; h2: number; ln2Mean: number; ln2Rstd: number;
  u: number; r: number;
  x2: number;
}

type Tensors = Resolved<TransformerParams>;
type Block = Tensors["blocks"][number];

export class Transformer implements Model {
  readonly classes: number;
  private readonly p: Tensors;
  private readonly d: number;
  private readonly headDim: number;
  private readonly embedded: number;
  private readonly tokenIds: number;
  /** Row index of each sequence's last position, b·SEQ + SEQ − 1 (gathers the query rows). */
  private readonly lastRows: number;
  private readonly blocks: BlockBuffers[] = [];
  private readonly final: number;
  private readonly lnfMean: number;
  private readonly lnfRstd: number;
  private readonly logits: number;
  // Gradient scratch, reused by every block.
  private readonly dx: number;
  private readonly dh: number;
  private readonly dk: number;
  private readonly dv: number;
  private readonly dq: number;
  private readonly dAttn: number;
  private readonly dx1: number;
  private readonly dMid: number;
  private readonly dLn: number;
  private readonly dLnAll: number;
  private readonly dR: number;
  private readonly du: number;
  private readonly dFinal: number;
  private readonly dLnFinal: number;
  /** The copies of whichever matmul runs (see wasm/gemm.ts). */
  private readonly workspace: GemmWorkspace;

  constructor(
    private readonly config: TransformerConfig,
    private readonly shape: InputShape,
    private readonly state: ParameterState<TransformerParams>,
    private readonly ops: Ops,
    private readonly arena: Arena,
    readonly capacity: number,
  ) {
    this.p = state.layout.named;
    this.classes = shape.classes;
    const d = (this.d = config.dModel);
    this.headDim = d / config.heads;
    const B = capacity, N = B * SEQ, m = config.dMlp;
    const f32 = (n: number) => arena.allocF32(n);
    this.embedded = f32(N * d);
    this.tokenIds = arena.alloc(N * I32_BYTES);
    this.lastRows = arena.alloc(B * I32_BYTES);
    arena.i32(this.lastRows, B).set(Int32Array.from({ length: B }, (_, b) => b * SEQ + SEQ - 1));
    const ln = config.layerNorm;
    for (let l = 0; l < config.layers; l++) {
      const queryLen = l === config.layers - 1 ? 1 : SEQ;
      const Nq = B * queryLen;
      const h = ln ? f32(N * d) : 0;
      const block: BlockBuffers = {
        queryLen,
        h, ln1Mean: ln ? f32(N) : 0, ln1Rstd: ln ? f32(N) : 0,
        k: f32(N * d), v: f32(N * d),
        xq: queryLen === SEQ ? 0 : f32(Nq * d), hq: queryLen === SEQ || !ln ? 0 : f32(Nq * d),
        q: f32(Nq * d), attn: f32(Nq * d), probs: f32(B * config.heads * queryLen * SEQ),
        x1: f32(Nq * d), h2: ln ? f32(Nq * d) : 0, ln2Mean: ln ? f32(Nq) : 0, ln2Rstd: ln ? f32(Nq) : 0,
        u: f32(Nq * m), r: f32(Nq * m),
        x2: f32(Nq * d),
      };
      this.blocks.push(block);
    }
    this.final = ln ? f32(B * d) : 0;
    this.lnfMean = ln ? f32(B) : 0;
    this.lnfRstd = ln ? f32(B) : 0;
    this.logits = f32(B * shape.classes);
    this.dx = f32(N * d);
    this.dh = f32(N * d);
    this.dk = f32(N * d);
    this.dv = f32(N * d);
    this.dq = f32(N * d);
    this.dAttn = f32(N * d);
    this.dx1 = f32(N * d);
    this.dMid = f32(N * d);
    this.dLn = f32(N * d);
    this.dLnAll = f32(N * d);
    this.dR = f32(N * m);
    this.du = f32(N * m);
    this.dFinal = f32(B * d);
    this.dLnFinal = ln ? f32(B * d) : 0;
    // Every linear layer's forward, weight-gradient and input-gradient matmul, on up to N rows.
    const matmuls = ([[d, d], [d, m], [m, d], [d, shape.classes]] as const).flatMap(([inDim, outDim]) => [["nn", N, inDim, outDim], ["tn", inDim, N, outDim], ["nt", N, outDim, inDim]] as const);
    this.workspace = allocGemmWorkspace(arena, matmuls);
  }

  forward(batch: Batch): number {
    const { ops, state, d, config } = this;
    const B = batch.rows, N = B * SEQ;
    if (B > this.capacity) throw new RangeError(`batch of ${B} rows exceeds the model's capacity ${this.capacity}`);
    // x₀ = E[token] + P[position], rows b·SEQ + t.
    const ids = this.arena.i32(this.tokenIds, N), a = this.arena.i32(batch.tokens[0], B), b = this.arena.i32(batch.tokens[1], B);
    for (let i = 0; i < B; i++) {
      ids[i * SEQ] = a[i];
      ids[i * SEQ + 1] = b[i];
      ids[i * SEQ + 2] = this.shape.vocab;
    }
    ops.embeddingForward(this.embedded, state.param(this.p.tokenEmbedding), this.tokenIds, N, d, false);
    ops.biasForward(this.embedded, this.embedded, state.param(this.p.positionEmbedding), B, SEQ * d);
    let x = this.embedded;
    this.blocks.forEach((block, l) => (x = this.blockForward(l, block, x, B)));
    // x holds the last position of every sequence now (the last block runs queries there only).
    let xf = x;
    if (config.layerNorm) {
      ops.layerNormForward(this.final, this.lnfMean, this.lnfRstd, x, state.param(this.p.lnf!.gamma), state.param(this.p.lnf!.beta), B, d, LAYER_NORM_EPS);
      xf = this.final;
    }
    this.ops.gemm("nn", this.logits, xf, state.param(this.p.unembed), B, d, this.classes, false, this.workspace);
    if (config.bias) ops.biasForward(this.logits, this.logits, state.param(this.p.unembedBias!), B, this.classes);
    return this.logits;
  }

  backward(batch: Batch, dlogits: number): void {
    const { ops, state, d, config } = this;
    const B = batch.rows, N = B * SEQ;
    const xf = config.layerNorm ? this.final : this.blocks.at(-1)!.x2;
    ops.gemm("tn", state.grad(this.p.unembed), xf, dlogits, d, B, this.classes, true, this.workspace);
    if (config.bias) ops.biasBackward(state.grad(this.p.unembedBias!), dlogits, B, this.classes);
    ops.gemm("nt", this.dFinal, dlogits, state.param(this.p.unembed), B, this.classes, d, false, this.workspace);
    let dOut = this.dFinal;
    if (config.layerNorm) {
      const x = this.blocks.at(-1)!.x2;
      ops.layerNormBackwardParams(state.grad(this.p.lnf!.gamma), state.grad(this.p.lnf!.beta), this.dFinal, x, this.lnfMean, this.lnfRstd, B, d);
      ops.layerNormBackwardInput(this.dLnFinal, this.dFinal, x, this.lnfMean, this.lnfRstd, state.param(this.p.lnf!.gamma), B, d);
      dOut = this.dLnFinal;
    }
    for (let l = this.blocks.length - 1; l >= 0; l--) {
      const input = l === 0 ? this.embedded : this.blocks[l - 1].x2;
      this.blockBackward(l, this.blocks[l], input, dOut, B);
      dOut = this.dx;
    }
    ops.biasBackward(state.grad(this.p.positionEmbedding), this.dx, B, SEQ * d);
    ops.embeddingBackward(state.grad(this.p.tokenEmbedding), this.dx, this.tokenIds, N, d);
  }

  /** y[rows×out] = x·W (+ b). */
  private linear(y: number, x: number, w: ParamTensor, b: ParamTensor | undefined, rows: number, inDim: number, outDim: number, accumulate = false): void {
    this.ops.gemm("nn", y, x, this.state.param(w), rows, inDim, outDim, accumulate, this.workspace);
    if (b) this.ops.biasForward(y, y, this.state.param(b), rows, outDim);
  }

  /** dW += xᵀ·dy, db += Σ dy, and dx (+)= dy·Wᵀ when dx is given. */
  private linearBackward(dx: number, accumulateDx: boolean, dy: number, x: number, w: ParamTensor, b: ParamTensor | undefined, rows: number, inDim: number, outDim: number): void {
    const { ops, state } = this;
    ops.gemm("tn", state.grad(w), x, dy, inDim, rows, outDim, true, this.workspace);
    if (b) ops.biasBackward(state.grad(b), dy, rows, outDim);
    if (dx) ops.gemm("nt", dx, dy, state.param(w), rows, outDim, inDim, accumulateDx, this.workspace);
  }

  private blockForward(l: number, blk: BlockBuffers, x: number, B: number): number {
    const { ops, state, d, config } = this;
    const N = B * SEQ, Nq = B * blk.queryLen, m = config.dMlp, t = this.p.blocks[l];
    const h = config.layerNorm ? blk.h : x;
    if (config.layerNorm) ops.layerNormForward(h, blk.ln1Mean, blk.ln1Rstd, x, state.param(t.ln1!.gamma), state.param(t.ln1!.beta), N, d, LAYER_NORM_EPS);
    this.linear(blk.k, h, t.wk, t.bk, N, d, d);
    this.linear(blk.v, h, t.wv, t.bv, N, d, d);
    const xq = blk.queryLen === SEQ ? x : blk.xq;
    const hq = blk.queryLen === SEQ ? h : config.layerNorm ? blk.hq : xq;
    if (blk.queryLen !== SEQ) {
      ops.embeddingForward(blk.xq, x, this.lastRows, B, d, false);
      if (config.layerNorm) ops.embeddingForward(blk.hq, h, this.lastRows, B, d, false);
    }
    this.linear(blk.q, hq, t.wq, t.bq, Nq, d, d);
    ops.attentionForward(blk.attn, blk.probs, blk.q, blk.k, blk.v, B, SEQ, blk.queryLen, config.heads, this.headDim);
    // x₁ = x + attn·Wo + bo (the residual seeds the accumulator).
    ops.copy(blk.x1, xq, Nq * d);
    this.linear(blk.x1, blk.attn, t.wo, t.bo, Nq, d, d, true);
    const h2 = config.layerNorm ? blk.h2 : blk.x1;
    if (config.layerNorm) ops.layerNormForward(h2, blk.ln2Mean, blk.ln2Rstd, blk.x1, state.param(t.ln2!.gamma), state.param(t.ln2!.beta), Nq, d, LAYER_NORM_EPS);
    this.linear(blk.u, h2, t.wIn, t.bIn, Nq, d, m);
    ops.activationForward("relu", blk.r, blk.u, Nq * m);
    ops.copy(blk.x2, blk.x1, Nq * d);
    this.linear(blk.x2, blk.r, t.wOut, t.bOut, Nq, m, d, true);
    return blk.x2;
  }

  /** Given dOut = ∂L/∂x₂ (query rows), writes ∂L/∂x (all rows of the block input) into this.dx. */
  private blockBackward(l: number, blk: BlockBuffers, x: number, dOut: number, B: number): void {
    const { ops, state, d, config } = this;
    const N = B * SEQ, Nq = B * blk.queryLen, m = config.dMlp, t = this.p.blocks[l];
    const ln = config.layerNorm;
    const h = ln ? blk.h : x;
    const xq = blk.queryLen === SEQ ? x : blk.xq;
    const hq = blk.queryLen === SEQ ? h : ln ? blk.hq : xq;
    const h2 = ln ? blk.h2 : blk.x1;
    // MLP branch: dx₁ = dOut + (its path through h₂).
    this.linearBackward(this.dR, false, dOut, blk.r, t.wOut, t.bOut, Nq, m, d);
    ops.activationBackward("relu", this.du, this.dR, blk.u, blk.r, Nq * m);
    if (ln) {
      this.linearBackward(this.dMid, false, this.du, h2, t.wIn, t.bIn, Nq, d, m);
      ops.layerNormBackwardParams(state.grad(t.ln2!.gamma), state.grad(t.ln2!.beta), this.dMid, blk.x1, blk.ln2Mean, blk.ln2Rstd, Nq, d);
      ops.layerNormBackwardInput(this.dLn, this.dMid, blk.x1, blk.ln2Mean, blk.ln2Rstd, state.param(t.ln2!.gamma), Nq, d);
      ops.add(this.dx1, dOut, this.dLn, Nq * d);
    } else {
      ops.copy(this.dx1, dOut, Nq * d);
      this.linearBackward(this.dx1, true, this.du, h2, t.wIn, t.bIn, Nq, d, m);
    }
    // Attention branch.
    this.linearBackward(this.dAttn, false, this.dx1, blk.attn, t.wo, t.bo, Nq, d, d);
    ops.attentionBackward(this.dq, this.dk, this.dv, this.dAttn, blk.probs, blk.q, blk.k, blk.v, B, SEQ, blk.queryLen, config.heads, this.headDim);
    // dh (all rows) from keys and values; the query rows' share from dq.
    this.linearBackward(this.dh, false, this.dk, h, t.wk, t.bk, N, d, d);
    this.linearBackward(this.dh, true, this.dv, h, t.wv, t.bv, N, d, d);
    if (blk.queryLen === SEQ) {
      this.linearBackward(this.dh, true, this.dq, hq, t.wq, t.bq, Nq, d, d);
    } else {
      this.linearBackward(this.dMid, false, this.dq, hq, t.wq, t.bq, Nq, d, d);
      if (ln) ops.embeddingBackward(this.dh, this.dMid, this.lastRows, B, d);
    }
    // dx = residual (dx₁ at the query rows) + dh through LN1 (or dh itself).
    if (blk.queryLen === SEQ) ops.copy(this.dx, this.dx1, N * d);
    else {
      ops.zero(this.dx, N * d);
      ops.embeddingBackward(this.dx, this.dx1, this.lastRows, B, d);
      // Without LN1 the query path's input is xq itself: its gradient joins the residual's.
      if (!ln) ops.embeddingBackward(this.dx, this.dMid, this.lastRows, B, d);
    }
    if (ln) {
      ops.layerNormBackwardParams(state.grad(t.ln1!.gamma), state.grad(t.ln1!.beta), this.dh, x, blk.ln1Mean, blk.ln1Rstd, N, d);
      ops.layerNormBackwardInput(this.dLnAll, this.dh, x, blk.ln1Mean, blk.ln1Rstd, state.param(t.ln1!.gamma), N, d);
      ops.add(this.dx, this.dx, this.dLnAll, N * d);
    } else {
      ops.add(this.dx, this.dx, this.dh, N * d);
    }
  }
}
