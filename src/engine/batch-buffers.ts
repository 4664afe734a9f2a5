/** Arena buffers for one batch, filled from a data split by row indices or a contiguous range. */
import type { DataSplit } from "./tasks/dataset.js";
import { I32_BYTES, type Arena } from "../wasm/arena.js";
import type { Batch } from "./models/model.js";

export class BatchBuffers implements Batch {
  rows = 0;
  readonly tokens: number[];
  readonly inputs: number;
  readonly targets: number;

  constructor(private readonly arena: Arena, readonly capacity: number, positions: number, private readonly features: number) {
    this.tokens = Array.from({ length: positions }, () => arena.alloc(capacity * I32_BYTES));
    this.inputs = features > 0 ? arena.allocF32(capacity * features) : 0;
    this.targets = arena.alloc(capacity * I32_BYTES);
  }

  /** Loads rows `indices` of `split`. */
  load(split: DataSplit, indices: ArrayLike<number>): void {
    const n = indices.length;
    if (n > this.capacity) throw new RangeError(`batch of ${n} rows exceeds ${this.capacity}`);
    this.rows = n;
    const targets = this.arena.i32(this.targets, n);
    for (let i = 0; i < n; i++) targets[i] = split.labels[indices[i]];
    split.tokens.forEach((ids, p) => {
      const out = this.arena.i32(this.tokens[p], n);
      for (let i = 0; i < n; i++) out[i] = ids[indices[i]];
    });
    if (split.inputs) {
      const f = this.features, out = this.arena.f32(this.inputs, n * f);
      for (let i = 0; i < n; i++) out.set(split.inputs.subarray(indices[i] * f, (indices[i] + 1) * f), i * f);
    }
  }

  /** Loads the contiguous rows [start, start + n). */
  loadRange(split: DataSplit, start: number, n: number): void {
    this.load(split, Int32Array.from({ length: n }, (_, i) => start + i));
  }
}
