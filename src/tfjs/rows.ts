/** Rows of a data split, for tfjs batches and evaluation chunks. */
import type { DataSplit } from "../engine/tasks/dataset.js";

/** Rows [start, start + n) of a split, as views. */
export function rowsOf(split: DataSplit, start: number, n: number): DataSplit {
  const features = split.inputs ? split.inputs.length / split.count : 0;
  return {
    count: n,
    tokens: split.tokens.map((ids) => ids.subarray(start, start + n)),
    inputs: split.inputs ? split.inputs.subarray(start * features, (start + n) * features) : null,
    labels: split.labels.subarray(start, start + n),
  };
}

/** The rows `indices` of a split, copied in that order. */
export function pickRows(split: DataSplit, indices: ArrayLike<number>): DataSplit {
  const n = indices.length;
  const features = split.inputs ? split.inputs.length / split.count : 0;
  const inputs = split.inputs ? new Float32Array(n * features) : null;
  for (let r = 0; r < n; r++) {
    const i = indices[r];
    if (!(Number.isInteger(i) && i >= 0 && i < split.count)) throw new RangeError(`batch row ${i} is outside the split's ${split.count} rows`);
    inputs?.set(split.inputs!.subarray(i * features, (i + 1) * features), r * features);
  }
  return {
    count: n,
    tokens: split.tokens.map((ids) => Int32Array.from(indices, (i) => ids[i])),
    inputs,
    labels: Int32Array.from(indices, (i) => split.labels[i]),
  };
}
