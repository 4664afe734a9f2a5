/**
 * MLP over token embeddings (operands concatenated), one-hot operands, or pixels.
 *
 * With token inputs the first linear layer never multiplies the batch: x = [e(a), e(b)] so
 * x·W₀ = e(a)·W₀[0:d] + e(b)·W₀[d:2d] = T₀[a] + T₁[b], with Tₚ = E·W₀[pd:(p+1)d] a vocab×hidden
 * table (for one-hot inputs Tₚ is simply the slice of W₀). Forward is two row gathers, backward a
 * scatter-add into dT and two vocab-sized matmuls — the same function, at vocab/batch of the cost.
 */
import { I32_BYTES, type Arena } from "../../../wasm/arena.js";
import { allocGemmWorkspace, type GemmLayout, type GemmWorkspace } from "../../../ops/gemm.js";
import { F32_BYTES, type Ops } from "../../../ops/ops.js";
import { ParameterLayout, type ParameterState, type ParamSpec, type Resolved } from "../../layout.js";
import type { Batch, InputShape, Model } from "../model.js";
import type { MlpConfig } from "./schema.js";

/** The MLP's parameters: the token embedding (input "embedding"), and per linear layer l its weight w[l] [in×out] and bias b[l] [out]. */
export interface MlpParams<T = ParamSpec> {
  embedding?: T;
  w: T[];
  b: T[];
}

export function mlpLayout(config: MlpConfig, shape: InputShape): ParameterLayout<MlpParams> {
  const widths = mlpWidths(config, shape);
  const specs: ParamSpec[] = [];
  const named: MlpParams = { w: [], b: [] };
  const add = (spec: ParamSpec) => (specs.push(spec), spec);
  if (config.input === "embedding") {
    named.embedding = add({ name: "embedding", shape: [shape.vocab, config.embeddingDim!], group: "embedding", std: config.init.embeddingStd ?? 1 });
  }
  for (let l = 0; l + 1 < widths.length; l++) {
    // Fan-in normal by default: N(0, 1/fan_in).
    named.w.push(add({ name: `w${l}`, shape: [widths[l], widths[l + 1]], group: "weights", std: config.init.layerStd?.[l] ?? 1 / Math.sqrt(widths[l]) }));
    if (config.bias) named.b.push(add({ name: `b${l}`, shape: [widths[l + 1]], group: "weights", std: 0, constant: 0 }));
  }
  return new ParameterLayout(specs, named);
}

/** Widths of every layer boundary: input, hidden…, classes. */
function mlpWidths(config: MlpConfig, shape: InputShape): number[] {
  const input = config.input === "pixels" ? shape.features : shape.positions * (config.input === "embedding" ? config.embeddingDim! : shape.vocab);
  return [input, ...config.hidden, shape.classes];
}

export class Mlp implements Model {
  readonly classes: number;
  private readonly p: Resolved<MlpParams>;
  private readonly widths: number[];
  private readonly tokenInput: boolean;
  /** Per layer l: pre-activation, f32[capacity × widths[l+1]], and for hidden layers its activation. */
  private readonly pre: number[] = [];
  private readonly act: number[] = [];
  /** Gradient scratch of the widest layer, twice (d of a layer's output, d of its input). */
  private readonly dOut: number;
  private readonly dIn: number;
  /** Token tables T (f32[positions·vocab × hidden₀]) and their gradient (embedding input only). */
  private readonly table: number;
  private readonly dTable: number;
  /** i32[capacity] ids into T per position: a, vocab + b, … */
  private readonly tableIds: number[] = [];
  /** The copies of whichever matmul runs (see wasm/gemm.ts). */
  private readonly workspace: GemmWorkspace;

  constructor(
    private readonly config: MlpConfig,
    private readonly shape: InputShape,
    private readonly state: ParameterState<MlpParams>,
    private readonly ops: Ops,
    private readonly arena: Arena,
    readonly capacity: number,
  ) {
    this.p = state.layout.named;
    this.classes = shape.classes;
    this.widths = mlpWidths(config, shape);
    this.tokenInput = config.input !== "pixels";
    const layers = this.widths.length - 1;
    for (let l = 0; l < layers; l++) {
      this.pre.push(arena.allocF32(capacity * this.widths[l + 1]));
      if (l + 1 < layers) this.act.push(arena.allocF32(capacity * this.widths[l + 1]));
    }
    const widest = Math.max(...this.widths.slice(1));
    this.dOut = arena.allocF32(capacity * widest);
    this.dIn = arena.allocF32(capacity * widest);
    const tableRows = shape.positions * shape.vocab;
    this.table = config.input === "embedding" ? arena.allocF32(tableRows * this.widths[1]) : 0;
    this.dTable = config.input === "embedding" ? arena.allocF32(tableRows * this.widths[1]) : 0;
    if (this.tokenInput) for (let p = 0; p < shape.positions; p++) this.tableIds.push(arena.alloc(capacity * I32_BYTES));
    // Every layer's forward, weight-gradient and input-gradient matmul (token inputs gather instead at layer 0).
    const w = this.widths, matmuls: [GemmLayout, number, number, number][] = [];
    for (let l = this.tokenInput ? 1 : 0; l < layers; l++) matmuls.push(["nn", capacity, w[l], w[l + 1]], ["tn", w[l], capacity, w[l + 1]], ["nt", capacity, w[l + 1], w[l]]);
    if (config.input === "embedding") {
      const d = config.embeddingDim!;
      matmuls.push(["nn", shape.vocab, d, w[1]], ["tn", d, shape.vocab, w[1]], ["nt", shape.vocab, w[1], d]);
    }
    this.workspace = allocGemmWorkspace(arena, matmuls);
  }

  private get hidden0(): number {
    return this.widths[1];
  }

  forward(batch: Batch): number {
    const { ops, state, widths } = this;
    const rows = batch.rows;
    if (rows > this.capacity) throw new RangeError(`batch of ${rows} rows exceeds the model's capacity ${this.capacity}`);
    // Layer 0.
    if (this.tokenInput) {
      const tables = this.tokenTables();
      for (let p = 0; p < this.shape.positions; p++) {
        this.offsetIds(batch.tokens[p], this.tableIds[p], rows, p * this.shape.vocab);
        ops.embeddingForward(this.pre[0], tables, this.tableIds[p], rows, this.hidden0, p > 0);
      }
    } else {
      ops.gemm("nn", this.pre[0], batch.inputs, state.param(this.p.w[0]), rows, widths[0], widths[1], false, this.workspace);
    }
    if (this.config.bias) ops.biasForward(this.pre[0], this.pre[0], state.param(this.p.b[0]), rows, widths[1]);
    // Hidden layers and read-out.
    for (let l = 1; l < widths.length - 1; l++) {
      ops.activationForward(this.config.activation, this.act[l - 1], this.pre[l - 1], rows * widths[l]);
      ops.gemm("nn", this.pre[l], this.act[l - 1], state.param(this.p.w[l]), rows, widths[l], widths[l + 1], false, this.workspace);
      if (this.config.bias) ops.biasForward(this.pre[l], this.pre[l], state.param(this.p.b[l]), rows, widths[l + 1]);
    }
    return this.pre[widths.length - 2];
  }

  backward(batch: Batch, dlogits: number): void {
    const { ops, state, widths } = this;
    const rows = batch.rows;
    const last = widths.length - 2;
    let dPre = dlogits;
    for (let l = last; l >= 1; l--) {
      ops.gemm("tn", state.grad(this.p.w[l]), this.act[l - 1], dPre, widths[l], rows, widths[l + 1], true, this.workspace);
      if (this.config.bias) ops.biasBackward(state.grad(this.p.b[l]), dPre, rows, widths[l + 1]);
      ops.gemm("nt", this.dIn, dPre, state.param(this.p.w[l]), rows, widths[l + 1], widths[l], false, this.workspace);
      ops.activationBackward(this.config.activation, this.dOut, this.dIn, this.pre[l - 1], this.act[l - 1], rows * widths[l]);
      dPre = this.dOut;
    }
    if (this.config.bias) ops.biasBackward(state.grad(this.p.b[0]), dPre, rows, widths[1]);
    if (!this.tokenInput) {
      ops.gemm("tn", state.grad(this.p.w[0]), batch.inputs, dPre, widths[0], rows, widths[1], true, this.workspace);
      return;
    }
    if (this.config.input === "onehot") {
      // T is W₀ itself: scatter-add straight into its gradient.
      for (let p = 0; p < this.shape.positions; p++) ops.embeddingBackward(state.grad(this.p.w[0]), dPre, this.tableIds[p], rows, this.hidden0);
      return;
    }
    const { vocab, positions } = this.shape;
    const d = this.config.embeddingDim!;
    ops.zero(this.dTable, positions * vocab * this.hidden0);
    for (let p = 0; p < positions; p++) ops.embeddingBackward(this.dTable, dPre, this.tableIds[p], rows, this.hidden0);
    for (let p = 0; p < positions; p++) {
      const dT = this.dTable + p * vocab * this.hidden0 * F32_BYTES;
      const wSlice = p * d * this.hidden0 * F32_BYTES;
      // dW₀[pd:(p+1)d] += Eᵀ·dTₚ and dE += dTₚ·W₀[pd:(p+1)d]ᵀ.
      ops.gemm("tn", state.grad(this.p.w[0]) + wSlice, state.param(this.p.embedding!), dT, d, vocab, this.hidden0, true, this.workspace);
      ops.gemm("nt", state.grad(this.p.embedding!), dT, state.param(this.p.w[0]) + wSlice, vocab, this.hidden0, d, true, this.workspace);
    }
  }

  /** The per-position tables T (f32[positions·vocab × hidden₀]): computed from E for embedding input, W₀ itself for one-hot. */
  private tokenTables(): number {
    if (this.config.input === "onehot") return this.state.param(this.p.w[0]);
    const { vocab, positions } = this.shape;
    const d = this.config.embeddingDim!;
    for (let p = 0; p < positions; p++) {
      this.ops.gemm("nn", this.table + p * vocab * this.hidden0 * F32_BYTES, this.state.param(this.p.embedding!), this.state.param(this.p.w[0]) + p * d * this.hidden0 * F32_BYTES, vocab, d, this.hidden0, false, this.workspace);
    }
    return this.table;
  }

  private offsetIds(src: number, dst: number, rows: number, offset: number): void {
    const from = this.arena.i32(src, rows), to = this.arena.i32(dst, rows);
    for (let i = 0; i < rows; i++) to[i] = from[i] + offset;
  }
}
