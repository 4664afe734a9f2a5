/**
 * The arena layout of a model's state: every parameter tensor lives in one flat f32 buffer, and
 * the gradients and optimizer moments in buffers of the same shape. Embedding parameters come
 * first so each optimizer group is one contiguous range (one fused kernel call per group).
 */
import { F32_BYTES } from "../ops/ops.js";
import type { Arena } from "../wasm/arena.js";
import type { Rng } from "./random.js";

export type ParamGroup = "embedding" | "weights";

export interface ParamSpec {
  name: string;
  /** Row-major shape, e.g. [in, out] for a linear layer's weight. */
  shape: readonly number[];
  group: ParamGroup;
  /** Standard deviation of the normal initialisation (scaled by the run's initScale). */
  std: number;
  /** Initialise to this constant instead (biases 0, LayerNorm gains 1); not scaled. */
  constant?: number;
}

export interface ParamTensor extends ParamSpec {
  size: number;
  /** Index of the first element in the flat buffers (f32 elements, not bytes). */
  index: number;
}

/** A model's own structure of parameter specs (objects, arrays, optional members), with every spec replaced by its laid-out tensor. */
export type Resolved<T> = T extends ParamSpec ? ParamTensor : T extends readonly (infer U)[] ? Resolved<U>[] : T extends object ? { [K in keyof T]: Resolved<T[K]> } : T;

/**
 * The flat layout of a model's parameters, and the model's own typed view of it (`named`): models
 * reach their tensors as typed fields (`named.w[1]`), never by looking names up; names are for
 * people (init.tensorStd, the oracle tests, error messages).
 */
export class ParameterLayout<T = unknown> {
  readonly tensors: readonly ParamTensor[];
  readonly named: Resolved<T>;
  readonly total: number;
  /** [start, end) element ranges of each group. */
  readonly groups: Record<ParamGroup, readonly [number, number]>;
  private readonly byName: Map<string, ParamTensor>;

  /** `specs` in the model's order (the layout puts the embedding group first); `named` refers to those same spec objects. */
  constructor(specs: readonly ParamSpec[], named?: T) {
    const ordered = [...specs.filter((s) => s.group === "embedding"), ...specs.filter((s) => s.group === "weights")];
    let index = 0;
    this.tensors = ordered.map((s) => {
      const size = s.shape.reduce((a, b) => a * b, 1);
      const t = { ...s, size, index };
      index += size;
      return t;
    });
    this.total = index;
    const embeddingEnd = this.tensors.filter((t) => t.group === "embedding").reduce((a, t) => a + t.size, 0);
    this.groups = { embedding: [0, embeddingEnd], weights: [embeddingEnd, index] };
    this.byName = new Map(this.tensors.map((t) => [t.name, t]));
    const bySpec = new Map(ordered.map((spec, i) => [spec, this.tensors[i]]));
    const resolve = (value: unknown): unknown => {
      if (Array.isArray(value)) return value.map(resolve);
      if (value === null || typeof value !== "object") return value;
      const tensor = bySpec.get(value as ParamSpec);
      if (tensor) return tensor;
      return Object.fromEntries(Object.entries(value).map(([key, member]) => [key, resolve(member)]));
    };
    this.named = resolve(named) as Resolved<T>;
  }

  get(name: string): ParamTensor {
    const t = this.byName.get(name);
    if (!t) throw new Error(`no parameter named ${name}`);
    return t;
  }
}

/** The four parameter-shaped buffers in the arena (byte offsets). */
export class ParameterState<T = unknown> {
  readonly params: number;
  readonly grads: number;
  /** AdamW's first moment or SGD's velocity. */
  readonly moment1: number;
  /** AdamW's second moment (unused by SGD). */
  readonly moment2: number;

  constructor(readonly layout: ParameterLayout<T>, private readonly arena: Arena) {
    this.params = arena.allocF32(layout.total);
    this.grads = arena.allocF32(layout.total);
    this.moment1 = arena.allocF32(layout.total);
    this.moment2 = arena.allocF32(layout.total);
    arena.f32(this.moment1, layout.total).fill(0);
    arena.f32(this.moment2, layout.total).fill(0);
  }

  /** Byte offset of a tensor in the parameter buffer. */
  param(tensor: ParamTensor): number {
    return this.params + tensor.index * F32_BYTES;
  }

  /** Byte offset of a tensor's gradient. */
  grad(tensor: ParamTensor): number {
    return this.grads + tensor.index * F32_BYTES;
  }

  /** Draws every tensor from N(0, (scale·std)²) in layout order from one stream. */
  initialize(rng: Rng, scale: number, log: (x: number) => number): void {
    const all = this.arena.f32(this.params, this.layout.total);
    for (const t of this.layout.tensors) {
      const view = all.subarray(t.index, t.index + t.size);
      if (t.constant !== undefined) view.fill(t.constant);
      else rng.fillNormal(view, t.std * scale, log);
    }
  }

  /** Copies of the buffers that define the run's state, for checkpoints. */
  snapshot(): { params: Float32Array; moment1: Float32Array; moment2: Float32Array } {
    const n = this.layout.total;
    return { params: this.arena.f32(this.params, n).slice(), moment1: this.arena.f32(this.moment1, n).slice(), moment2: this.arena.f32(this.moment2, n).slice() };
  }

  restore(s: { params: Float32Array; moment1: Float32Array; moment2: Float32Array }): void {
    const n = this.layout.total;
    for (const [ptr, values, name] of [[this.params, s.params, "params"], [this.moment1, s.moment1, "moment1"], [this.moment2, s.moment2, "moment2"]] as const) {
      if (values.length !== n) throw new Error(`checkpoint: ${name} has ${values.length} values, the model has ${n}`);
      this.arena.f32(ptr, n).set(values);
    }
  }
}
